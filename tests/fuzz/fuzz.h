/*
 * fuzz.h — the libFuzzer entry points every target in tests/fuzz defines.
 *
 * Ownership: each target (tests/fuzz/<name>_fuzzer.c) owns its own state;
 * replay.c (the standalone driver make check uses) and libFuzzer only call
 * these.  data is borrowed for the duration of the call.
 */
#ifndef STHENO_FUZZ_H
#define STHENO_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: defined by targets that need one-time setup. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
