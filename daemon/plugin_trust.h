/*
 * plugin_trust.h — who may load code into sthenod, and which files it
 * accepts as plugins (docs/plugin-guide.md, "Who may load a plugin";
 * docs/ARCHITECTURE.md, "The plugin boundary").
 *
 * Ownership: the loader's (plugin.c calls these; nothing else should).  No
 * state is kept here.  Strings handed back (*path, *err) are malloc'd and
 * the caller's; file descriptors returned are the caller's to close.
 *
 * The rules:
 *  - A live request (plugin.load over RPC or the monitor) names a plugin,
 *    never a file: NAME.so in the plugin folders, or the path= of the
 *    config file's own [plugin:NAME] section.  Anything else gets one
 *    fixed message that says nothing about the file system.
 *  - Every folder from / to the file belongs to root or sthenod's user and
 *    nobody else may write it (OpenSSH's StrictModes; a root-owned sticky
 *    folder such as /tmp passes, since only an entry's owner may then
 *    replace it, and the entry below is checked in turn).
 *  - The file is a regular file of root or sthenod's user that nobody else
 *    may write, opened with O_NOFOLLOW | O_NONBLOCK and checked with fstat
 *    before anything reads it.
 *  - Before the dynamic linker maps it (so before any constructor in it
 *    runs) its ELF headers show a shared object for this machine whose
 *    dynamic symbol table defines sth_plugin_descriptor as a data object.
 */
#ifndef STHENO_PLUGIN_TRUST_H
#define STHENO_PLUGIN_TRUST_H

#include <sys/stat.h>
#include <sys/types.h>
#include <stdint.h>

struct ini_doc;
struct ini_section;

/* Judge ownership as a sthenod running as uid would (by default: as this
 * process's effective uid).  For stheno-plugin-check only. */
void trust_set_uid(uid_t uid);

/* [a-z0-9_-]{1,64} */
int trust_valid_name(const char *name);

/*
 * What a live caller asked to load.  A plugin name: 0, with *path the
 * expanded path= of doc's [plugin:NAME] section (NULL when there is none:
 * search the plugin folders).  Anything else: -1 and the fixed refusal.
 */
int trust_live_request(const struct ini_doc *doc, const char *what,
    char **path, char **err);

/* The expanded path= of a [plugin:NAME] section: 0 with *path (NULL when
 * the key is absent), or -1 with *err naming the file and line. */
int trust_config_path(const struct ini_section *s, char **path, char **err);

/* Open path for reading under the folder and file rules above: the fd,
 * with *st its fstat, or -1 with *err naming the rule that failed. */
int trust_open(const char *path, struct stat *st, char **err);

/*
 * Check the ELF of fd (size bytes; src names it in messages): 0, with the
 * descriptor's ABI major, minor and struct size as the file holds them in
 * abi[0..2], or -1 with *err.
 */
int trust_check_elf(int fd, uint64_t size, const char *src, uint32_t abi[3],
    char **err);

#endif
