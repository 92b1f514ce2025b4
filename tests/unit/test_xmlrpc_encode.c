/*
 * test_xmlrpc_encode.c — plugins/xmlrpc/xml_encode.c: every JSON type to
 * XML-RPC, compared byte for byte with what Python's xmlrpc.client.dumps
 * writes for the same value (the expected strings below were generated
 * once with /usr/bin/python3 on Debian 12: dumps((value,),
 * methodresponse=True, allow_none=True), dumps(Fault(code, string),
 * methodresponse=True), and repr(float) for the doubles).
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>

#include "../../plugins/xmlrpc/xmlrpc.h"

struct enc_case {
	const char *name;
	const char *json;
	const char *xml;
};

struct fault_case {
	int code;
	const char *string;
	const char *xml;
};

struct dbl_case {
	uint64_t bits;
	const char *repr;
};

static const struct enc_case enc_cases[] = {
	{ "struct_array", "{\"a\":1,\"b\":[true,\"s\",1.5]}",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>a</name>\n"
	    "<value><int>1</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>b</name>\n"
	    "<value><array><data>\n"
	    "<value><boolean>1</boolean></value>\n"
	    "<value><string>s</string></value>\n"
	    "<value><double>1.5</double></value>\n"
	    "</data></array></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "string_escapes", "\"a&<>\\\"'\\u00e9 \\u4e2d & &amp; ]]>\"",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><string>a&amp;&lt;&gt;\"'\xc3""\xa9"" \xe4""\xb8""\xad"" &amp; &amp;amp; ]]&gt;</string></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	/* specials past the first 8-byte word, beside their neighbours
	 * ('=' 0x3d, '?' 0x3f, '%' 0x25, '\'' 0x27) that stay as they are */
	{ "string_escapes_words", "\"abcdefgh=?%'ijklmnop<qrstuvw>xyz0123&\"",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><string>abcdefgh=?%'ijklmnop&lt;qrstuvw&gt;xyz0123&amp;</string></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "empty_array", "[]",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><array><data>\n"
	    "</data></array></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "empty_struct", "{}",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><struct>\n"
	    "</struct></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "empty_string", "\"\"",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><string></string></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "doubles", "[0.0,-0.0,0.1,1e16,1e15,1.2345678901234568e+17,0.0001,1e-05,1.5e300,5e-324,0.3333333333333333,-1e22,100.0,12345.678,2.2250738585072014e-308,1.7976931348623157e308,-2.5,123456789.125]",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><array><data>\n"
	    "<value><double>0.0</double></value>\n"
	    "<value><double>-0.0</double></value>\n"
	    "<value><double>0.1</double></value>\n"
	    "<value><double>1e+16</double></value>\n"
	    "<value><double>1000000000000000.0</double></value>\n"
	    "<value><double>1.2345678901234568e+17</double></value>\n"
	    "<value><double>0.0001</double></value>\n"
	    "<value><double>1e-05</double></value>\n"
	    "<value><double>1.5e+300</double></value>\n"
	    "<value><double>5e-324</double></value>\n"
	    "<value><double>0.3333333333333333</double></value>\n"
	    "<value><double>-1e+22</double></value>\n"
	    "<value><double>100.0</double></value>\n"
	    "<value><double>12345.678</double></value>\n"
	    "<value><double>2.2250738585072014e-308</double></value>\n"
	    "<value><double>1.7976931348623157e+308</double></value>\n"
	    "<value><double>-2.5</double></value>\n"
	    "<value><double>123456789.125</double></value>\n"
	    "</data></array></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "nested", "{\"name\":\"x\",\"list\":[{\"k\":false},[[]],\"\"],\"z\":{\"y\":{\"x\":[1,[2,[3]]]}}}",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>name</name>\n"
	    "<value><string>x</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>list</name>\n"
	    "<value><array><data>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>k</name>\n"
	    "<value><boolean>0</boolean></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "<value><array><data>\n"
	    "<value><array><data>\n"
	    "</data></array></value>\n"
	    "</data></array></value>\n"
	    "<value><string></string></value>\n"
	    "</data></array></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>z</name>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>y</name>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>x</name>\n"
	    "<value><array><data>\n"
	    "<value><int>1</int></value>\n"
	    "<value><array><data>\n"
	    "<value><int>2</int></value>\n"
	    "<value><array><data>\n"
	    "<value><int>3</int></value>\n"
	    "</data></array></value>\n"
	    "</data></array></value>\n"
	    "</data></array></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "ints", "[2147483647,-2147483648,0,-1,42]",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><array><data>\n"
	    "<value><int>2147483647</int></value>\n"
	    "<value><int>-2147483648</int></value>\n"
	    "<value><int>0</int></value>\n"
	    "<value><int>-1</int></value>\n"
	    "<value><int>42</int></value>\n"
	    "</data></array></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "nil", "[null,1,{\"n\":null}]",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><array><data>\n"
	    "<value><nil/></value><value><int>1</int></value>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>n</name>\n"
	    "<value><nil/></value></member>\n"
	    "</struct></value>\n"
	    "</data></array></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "process_info", "{\"description\":\"pid 8532, uptime 0:00:16\",\"exitstatus\":0,\"group\":\"sleeper\",\"logfile\":\"/tmp/l.log\",\"name\":\"sleeper\",\"now\":1795624004,\"pid\":8532,\"spawnerr\":\"\",\"start\":1795623988,\"state\":20,\"statename\":\"RUNNING\",\"stderr_logfile\":\"\",\"stdout_logfile\":\"/tmp/l.log\",\"stop\":0}",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>description</name>\n"
	    "<value><string>pid 8532, uptime 0:00:16</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>exitstatus</name>\n"
	    "<value><int>0</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>group</name>\n"
	    "<value><string>sleeper</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>logfile</name>\n"
	    "<value><string>/tmp/l.log</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>name</name>\n"
	    "<value><string>sleeper</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>now</name>\n"
	    "<value><int>1795624004</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>pid</name>\n"
	    "<value><int>8532</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>spawnerr</name>\n"
	    "<value><string></string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>start</name>\n"
	    "<value><int>1795623988</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>state</name>\n"
	    "<value><int>20</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>statename</name>\n"
	    "<value><string>RUNNING</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>stderr_logfile</name>\n"
	    "<value><string></string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>stdout_logfile</name>\n"
	    "<value><string>/tmp/l.log</string></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>stop</name>\n"
	    "<value><int>0</int></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "struct_key_escape", "{\"a<b>&c\":\"v\"}",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>a&lt;b&gt;&amp;c</name>\n"
	    "<value><string>v</string></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "bool_false", "false",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><boolean>0</boolean></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
	{ "control_chars", "\"tab\\there\\nnl\\r\\u0001\"",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<params>\n"
	    "<param>\n"
	    "<value><string>tab\x09""here\n"
	    "nl\x0d""\x01""</string></value>\n"
	    "</param>\n"
	    "</params>\n"
	    "</methodResponse>\n"
	    "" },
};
static const struct fault_case fault_cases[] = {
	{ 10, "BAD_NAME: nope",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<fault>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>faultCode</name>\n"
	    "<value><int>10</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>faultString</name>\n"
	    "<value><string>BAD_NAME: nope</string></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</fault>\n"
	    "</methodResponse>\n"
	    "" },
	{ 2, "INCORRECT_PARAMETERS: <a&b>",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<fault>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>faultCode</name>\n"
	    "<value><int>2</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>faultString</name>\n"
	    "<value><string>INCORRECT_PARAMETERS: &lt;a&amp;b&gt;</string></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</fault>\n"
	    "</methodResponse>\n"
	    "" },
	{ 1, "UNKNOWN_METHOD",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<fault>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>faultCode</name>\n"
	    "<value><int>1</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>faultString</name>\n"
	    "<value><string>UNKNOWN_METHOD</string></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</fault>\n"
	    "</methodResponse>\n"
	    "" },
	{ -32000, "",
	    "<?xml version='1.0'?>\n"
	    "<methodResponse>\n"
	    "<fault>\n"
	    "<value><struct>\n"
	    "<member>\n"
	    "<name>faultCode</name>\n"
	    "<value><int>-32000</int></value>\n"
	    "</member>\n"
	    "<member>\n"
	    "<name>faultString</name>\n"
	    "<value><string></string></value>\n"
	    "</member>\n"
	    "</struct></value>\n"
	    "</fault>\n"
	    "</methodResponse>\n"
	    "" },
};
static const struct dbl_case dbl_cases[] = {
	{ 0x4121e77055c59e0cULL, "586680.1675233259" },
	{ 0x0a501ab4d26b9496ULL, "5.237043400838711e-259" },
	{ 0xba1827d66c18c283ULL, "-7.622168307127168e-29" },
	{ 0xc12e7d7123f52afeULL, "-999096.5702298579" },
	{ 0x4b11ebe7a9ae7a34ULL, "4.291347565651182e+53" },
	{ 0xc375705547106bbfULL, "-9.655177724341349e+16" },
	{ 0xc10ef77a0bfc4cacULL, "-253679.25585231686" },
	{ 0x02cd48f0c527e279ULL, "3.582270375185538e-295" },
	{ 0xbc2208f9ab5ea68cULL, "-4.888412714147231e-19" },
	{ 0x411c0e06a935bb48ULL, "459649.66524403216" },
	{ 0x748da56869fc5360ULL, "2.7169040338402576e+253" },
	{ 0x40d2d89f3473ae76ULL, "19298.48757640874" },
	{ 0x41185b1db9c7c40cULL, "399047.4314261086" },
	{ 0x21fc9806ba98666aULL, "5.724726906613634e-145" },
	{ 0x3e0d0262c81bc563ULL, "8.44282324796165e-10" },
	{ 0x412debf138b9474aULL, "980472.6107885626" },
	{ 0x666faa055cb53ec0ULL, "2.690884809322266e+185" },
	{ 0xbf807b5f7666b80cULL, "-0.00804781513292243" },
	{ 0x41185e27a4a41460ULL, "399241.91078216396" },
	{ 0x193c9b1bc16cf5c5ULL, "4.1090195197891537e-187" },
	{ 0xb9e8bb6acf6b6bd7ULL, "-9.755092823038247e-30" },
	{ 0x41059f9cbfe6d790ULL, "177139.593702015" },
	{ 0x69f8c3b3336c7fcdULL, "3.032954154424366e+202" },
	{ 0xc4a49cd59bb4c54cULL, "-4.867020691390127e+22" },
	{ 0x4128fe9ccf633d82ULL, "819022.4050540181" },
	{ 0x49b6870f83c02da8ULL, "1.2860974907665398e+47" },
	{ 0x3cc6d2ceb37b5930ULL, "6.334784504873785e-16" },
	{ 0x4108d733d8767138ULL, "203494.48069466068" },
	{ 0x2dbe9d874de8344eULL, "2.4046975064415458e-88" },
	{ 0x451dacd2d7a4d4b4ULL, "8.968746289727947e+24" },
	{ 0x4115cdc3447fcf2cULL, "357232.81689380365" },
	{ 0x0ef41a0232f9e2b0ULL, "1.234792429952501e-236" },
	{ 0xbc170ad09cd5e6b6ULL, "-3.122806602642189e-19" },
	{ 0xc10d5814c8d0bf70ULL, "-240386.59805440484" },
	{ 0x11ad7140390567c2ULL, "1.5908390229742925e-223" },
	{ 0x45513f2dee8a9b01ULL, "8.340038125629663e+25" },
	{ 0x4118327df3349c88ULL, "396447.48750538426" },
	{ 0x1828d9c80334b01bULL, "2.7234007279907596e-192" },
	{ 0x3db2c19c78c86740ULL, "1.7058749854469313e-11" },
	{ 0x40fc323914f6d760ULL, "115491.56761821872" },
	{ 0x4f64da17abddfcd9ULL, "2.947372814213095e+74" },
	{ 0xc0776a1d4c32cf41ULL, "-374.6321527466535" },
	{ 0xc10b0f26ae61059cULL, "-221668.8351459921" },
	{ 0x56e09c1e20783d88ULL, "3.1207123266779054e+110" },
	{ 0xbf0c37e29b81cc8bULL, "-5.382213879636621e-05" },
	{ 0x4106ee9f785b9208ULL, "187859.93376840674" },
	{ 0x32e9f0ccff9264ffULL, "1.9705679263256084e-63" },
	{ 0x3cd1abf1213b26dbULL, "9.809735301230353e-16" },
	{ 0x4122a803ad38dc04ULL, "611329.8383244281" },
	{ 0x72357a2c16cc725cULL, "1.4321051459616604e+242" },
	{ 0xc4a2f07d2552e08dULL, "-4.471941648714859e+22" },
	{ 0xc10d4ad726777a58ULL, "-239962.89378257352" },
	{ 0x4222c9e413939704ULL, "40348289481.79495" },
	{ 0xc2fac4ee3aa48f70ULL, "-470929803725047.0" },
	{ 0x412351d1af49b3e0ULL, "633064.8423591815" },
	{ 0x0affc877f0d35d22ULL, "1.0583752549271826e-255" },
	{ 0x3d350336c1d0ffc8ULL, "7.465158900631942e-14" },
	{ 0xc0f7c03a77304010ULL, "-97283.6540987494" },
	{ 0x645b1238b8fe1ac7ULL, "2.67821013107663e+175" },
	{ 0x40672d18b1aaef28ULL, "185.40926440606677" },
	{ 0xc126fae2c015ff3bULL, "-753009.3751678237" },
	{ 0x66a0a9f296e3f022ULL, "2.265806853641864e+186" },
	{ 0xc032c1831f3432f6ULL, "-18.755907011264718" },
	{ 0xc0f7aa5824be7f78ULL, "-96933.50897073548" },
	{ 0x4228e146ed77010dULL, "53429368507.50205" },
	{ 0xc5f3d28d79323c07ULL, "-9.815612316919235e+28" },
	{ 0x4127267772d6b772ULL, "758587.7242944075" },
	{ 0x3e21bcce9cb7a471ULL, "2.0649199899785484e-09" },
	{ 0xc26188dd727e4bbcULL, "-602485265394.3667" },
	{ 0xc0e4f540e1824f20ULL, "-42922.027527956525" },
	{ 0x5c52bc5e24663cbdULL, "5.447165330483539e+136" },
	{ 0xc1f2806d3577df18ULL, "-4966503255.491966" },
	{ 0x41229993ef5bde9aULL, "609481.967497784" },
	{ 0x2ee8b81552c9b40dULL, "1.0179429121673157e-82" },
	{ 0x45f39abe36216e5bULL, "9.707660817585756e+28" },
	{ 0x410d292c56d25590ULL, "238885.5423933682" },
	{ 0x4d30223bb1c7a097ULL, "6.637028830939886e+63" },
	{ 0xbecada5fdf74077aULL, "-3.2011300806774946e-06" },
	{ 0x412cfe1a7e1eff5eULL, "950029.2463302424" },
	{ 0x658f68debab3c63eULL, "1.6291853224210761e+181" },
	{ 0x3d707a2089e4645dULL, "9.366123663461963e-13" },
	{ 0x40fd3a6f06cac130ULL, "119718.93915820564" },
	{ 0x39848a1f9fb04eb0ULL, "1.2658471948120535e-31" },
	{ 0x41a5c3d84b797963ULL, "182578213.73725423" },
	{ 0x4120b2938e1334feULL, "547145.7774902878" },
	{ 0x574eecbd1cb550c1ULL, "3.7185595997956533e+112" },
	{ 0xc61246e30245ec0aULL, "-3.620113282099679e+29" },
	{ 0xc0b3fe94b2f31880ULL, "-5118.580855554086" },
	{ 0x07f89f4196f9d06eULL, "2.9129222809221237e-270" },
	{ 0x3d1161f0c0d1424dULL, "1.5438832303428197e-14" },
	{ 0x410bb186ff25cf40ULL, "226864.87458383478" },
	{ 0x67320ad16c0f819eULL, "1.2560536325038706e+189" },
	{ 0xbc617b94c96fe5c9ULL, "-7.581929466798243e-18" },
	{ 0xc1286793ea762f47ULL, "-799689.9579329275" },
	{ 0x7b21965c5caa327dULL, "1.307634105711072e+285" },
	{ 0x3cc8884c280b55eeULL, "6.809112178205965e-16" },
	{ 0x410a05429b5c6b48ULL, "213160.32585986913" },
	{ 0x04d2b58024ef4a73ULL, "1.9658681323050347e-285" },
	{ 0x3a16a021cf77cb2bULL, "7.139353983508904e-29" },
	{ 0x4111c5114cd6b3b0ULL, "291140.32503777277" },
	{ 0x5caf240f767460e5ULL, "2.8972011060165184e+138" },
	{ 0x42cc9cd25246c458ULL, "62919738166664.69" },
	{ 0x40f91c62a12a7a70ULL, "102854.16434715106" },
	{ 0x6a94b64c9ddaa1c5ULL, "2.597534546883902e+205" },
	{ 0x41d7ffe5b0ccfd9bULL, "1610585795.2029788" },
	{ 0x41291c196203d096ULL, "822796.6914353545" },
	{ 0x6b50fe8be860f448ULL, "8.729730954221802e+208" },
	{ 0xb9d95660f7f6fb0fULL, "-4.996924452021747e-30" },
	{ 0x4121c811ec1fe49eULL, "582664.9611808246" },
	{ 0x68bc6292231726b7ULL, "3.315329798745958e+196" },
	{ 0x3f829c9842642f3aULL, "0.00908774330721195" },
	{ 0xc0e459126ce7eff0ULL, "-41672.57579419005" },
	{ 0x3939dfae7081b38eULL, "4.983104046273012e-33" },
	{ 0xc152366b8f74f1a1ULL, "-4774318.241512687" },
	{ 0xc12aa1a766ba5e79ULL, "-872659.7006406329" },
	{ 0x2558686fccd9d36bULL, "8.803052158504411e-129" },
	{ 0xc60ce2c0e547de50ULL, "-2.8607066989050677e+29" },
	{ 0xc12c734f4858cf20ULL, "-932263.6413025595" },
	{ 0x6dd5869b809da3d2ULL, "1.2157837739742766e+221" },
	{ 0xbfd1e85f7a31631eULL, "-0.27980791981603825" },
	{ 0xc100eb74926a6e5cULL, "-138606.5714920637" },
	{ 0x2f8bd541ec12dfffULL, "1.1736855476650247e-79" },
	{ 0x3cc9b77e236d7d42ULL, "7.137837118330854e-16" },
	{ 0x41234f4e778edf66ULL, "632743.2335119068" },
	{ 0x1e85946aa3797f28ULL, "1.1991645739945218e-161" },
	{ 0x3e0964b4cbb6eb00ULL, "7.390447346366432e-10" },
	{ 0xc10f9e75759d48f4ULL, "-259022.68242890353" },
	{ 0x79d7b17c0d54304cULL, "8.400043590148638e+278" },
	{ 0x3e08134cd8d7f873ULL, "7.006861078220121e-10" },
	{ 0x412781bbaf294d66ULL, "770269.8421119868" },
	{ 0x5da2717c285ab2eeULL, "1.1245185032071214e+143" },
	{ 0x3b48285413f0fe63ULL, "3.996528576845343e-23" },
	{ 0xc0f18d9ed82b4d18ULL, "-71897.92777567019" },
	{ 0x51d7f7b47e999119ULL, "1.8624442727564287e+86" },
	{ 0x3e15ffc2441bdeb9ULL, "1.2805137093343634e-09" },
	{ 0x40e3cab4b11e0650ULL, "40533.646620762185" },
	{ 0x17c4564a07cd41abULL, "3.482419830857335e-194" },
	{ 0x43505101d56f9441ULL, "1.837067178018842e+16" },
	{ 0xc1254d193014039aULL, "-697996.5939026952" },
	{ 0x6ccf11a991851322ULL, "1.3387950405282337e+216" },
	{ 0xc6241c67878e4ed0ULL, "-7.966769950321483e+29" },
	{ 0xc120fe10d54e1917ULL, "-556808.4166114655" },
	{ 0x5b8c344c90660d07ULL, "1.0009752218512435e+133" },
	{ 0x3bb3cafbe5780612ULL, "4.191310904238835e-21" },
	{ 0x411f6858597112c4ULL, "514582.0873454029" },
	{ 0x1ec3401cfe511dd5ULL, "1.7115635714477662e-160" },
	{ 0x4127ffe45629673cULL, "786418.1682846318" },
	{ 0xc10baa289acc1b90ULL, "-226629.07558461698" },
	{ 0x29a238f2c29ef810ULL, "3.879523914304496e-108" },
	{ 0xb9a5596424b2a2c5ULL, "-5.262980270456036e-31" },
	{ 0xc109058c981df3b4ULL, "-204977.57427587884" },
	{ 0x43f0f1c0ff5d8170ULL, "1.953550683219316e+19" },
	{ 0x4230ade98f74744bULL, "71637241716.45427" },
	{ 0x40f572b7ddcb2750ULL, "87851.49164882046" },
	{ 0x2fa509a1be2d4fb1ULL, "3.5485247856604234e-79" },
	{ 0xbb892e90fdafe698ULL, "-6.665593399491123e-22" },
	{ 0xc1247ffdb1435cfcULL, "-671742.8462170656" },
	{ 0x1131ca0aa01e70b7ULL, "7.509314263364283e-226" },
	{ 0xb9781a8713467803ULL, "-7.427502469023496e-32" },
	{ 0xc12c15823a83f93fULL, "-920257.1142881288" },
	{ 0x0794c0ebc24b91e4ULL, "3.8363419953981676e-272" },
	{ 0x40b96cad366cce5bULL, "6508.676611709957" },
	{ 0xc12867b6e50f7ea2ULL, "-799707.4473838399" },
	{ 0x4c3d43c55e1c0ad1ULL, "1.8369768960792808e+59" },
	{ 0x3c5b9d0a9474a133ULL, "5.987710910108612e-18" },
	{ 0x41217b1f2d2afe22ULL, "572815.5882186333" },
	{ 0x61bf16c939bf7f90ULL, "6.993338338192357e+162" },
	{ 0xba525d1b60ba814dULL, "-9.271298699862419e-28" },
	{ 0x411b5ca2a39f9d44ULL, "448296.6597885678" },
	{ 0x078708bedd3db728ULL, "2.1289543853806107e-272" },
	{ 0x3f824dcbba03590fULL, "0.008937446226280813" },
	{ 0xc12730966bdf4a68ULL, "-759883.2106879475" },
	{ 0x59d999801cbab01fULL, "6.769110283213055e+124" },
	{ 0x4579db23a67e140dULL, "5.0012802213128424e+26" },
	{ 0xc12ca9b086092f60ULL, "-939224.2617888264" },
	{ 0x56851961d73c5abfULL, "6.194031289157741e+108" },
	{ 0xbd66e75e587058dbULL, "-6.509646751606641e-13" },
	{ 0xc11dd2b5825a9392ULL, "-488621.3772986467" },
	{ 0x19dfc7403b60b6eeULL, "4.674268428336531e-184" },
	{ 0x39968a08614a59e3ULL, "2.778169705883501e-31" },
	{ 0xc11dea05f4a94079ULL, "-490113.48892689456" },
	{ 0x5dace8d6ca6082b7ULL, "1.7626616286517068e+143" },
	{ 0xbab80c27c26329e5ULL, "-7.770160400674862e-26" },
	{ 0x4104b8e19537c8f0ULL, "169756.19786030753" },
	{ 0x0430dcf3a538e0f1ULL, "1.7303796177347747e-288" },
	{ 0xbb11c0fa977d2001ULL, "-3.67140469635253e-24" },
	{ 0xc120b550ba840401ULL, "-547496.3642884494" },
	{ 0x0395f17ec349f9c7ULL, "2.1989074369048047e-291" },
	{ 0xc62741deaac36bcbULL, "-9.21316725702803e+29" },
	{ 0xc1137534d65a142aULL, "-318797.2093279982" },
	{ 0x6a8e342eaf88a4d4ULL, "1.893952957371334e+205" },
	{ 0x39d1717af50a49d8ULL, "3.440080891504834e-30" },
	{ 0xc12deaef0800dee4ULL, "-980343.5156316427" },
	{ 0x3e127b43116e32c6ULL, "1.0757644269501149e-09" },
	{ 0x3cf4e14a44934d67ULL, "4.636300118888264e-15" },
	{ 0xc1292cfb41fdc508ULL, "-824957.6288892338" },
	{ 0x4edfefc5973a6505ULL, "8.81673490948195e+71" },
	{ 0xbb3bd4f4532e4f9bULL, "-2.3021969297811318e-23" },
	{ 0xc103b8f77a772cacULL, "-161566.93479761982" },
	{ 0x1f197a192e8d40caULL, "7.248525604651942e-159" },
	{ 0xbf5016bc3051f4ceULL, "-0.0009819829731719134" },
	{ 0x40ff06fd305e04b0ULL, "127087.82430841285" },
	{ 0x6a4f7060a07a8619ULL, "1.2321269362922691e+204" },
	{ 0xbd04e8a61ca38989ULL, "-9.285365661245009e-15" },
	{ 0xc1262b6b509ee79eULL, "-726453.6574623471" },
	{ 0x0434cf02e3572207ULL, "2.1352454927340367e-288" },
	{ 0x3aed5382add1e59cULL, "7.580648321540641e-25" },
	{ 0x4122d24a116cab96ULL, "616741.0340322133" },
	{ 0x0de14529937894b0ULL, "8.093753875380798e-242" },
	{ 0x3b18d5aab7011599ULL, "5.135682386194643e-24" },
	{ 0xc1253dad91d3c3bcULL, "-696022.7848187606" },
	{ 0x3ca20d7864a42682ULL, "1.2526520309482665e-16" },
	{ 0xc08aee0dc66d8f6bULL, "-861.7567261275666" },
	{ 0x41204f7602aafa18ULL, "534459.0052107004" },
	{ 0x67e30a9e8a9ebda5ULL, "2.7148634157675395e+192" },
	{ 0xc2140f45563c8f76ULL, "-21538887055.1401" },
	{ 0x41285fd56dabe15cULL, "798698.7142019677" },
	{ 0x629f413827837d33ULL, "1.1518974758420275e+167" },
	{ 0xc4e7059d4624d590ULL, "-8.69743964899059e+23" },
	{ 0xc12ddde07dfd2e21ULL, "-978672.2460722366" },
	{ 0x203bb92e6ae75e6fULL, "2.0677029885210832e-153" },
	{ 0xbe4c8673034c0025ULL, "-1.3283077840344693e-08" },
	{ 0x41059248bc52e950ULL, "176713.0919550159" },
	{ 0x2e72faaaadb7d032ULL, "6.106022147061873e-85" },
	{ 0x3d2e26ec710a9463ULL, "5.356079191188967e-14" },
	{ 0xc123bc61955fcec6ULL, "-646704.7917465798" },
	{ 0x4fae20eb685bad6fULL, "6.813774643725807e+75" },
	{ 0x3abcad75d0938005ULL, "9.266225519931816e-26" },
	{ 0xc122a9a6a822c698ULL, "-611539.328390318" },
	{ 0x101c2fb1696e33d9ULL, "4.5388039243459673e-231" },
	{ 0x3a4497730c05acb3ULL, "5.198050434051606e-28" },
	{ 0x40e3cdbeac7ded90ULL, "40557.95855614089" },
	{ 0x7bfd404dc6c3a066ULL, "1.7816375019936715e+289" },
	{ 0xc5530c51813107d3ULL, "-9.211104986389147e+25" },
	{ 0x412e2d32f3413a4eULL, "988825.4751070233" },
	{ 0x5b2fbfcbd779c669ULL, "1.760601121937229e+131" },
	{ 0xc23431125ee602f5ULL, "-86722633446.01155" },
	{ 0x4113fe00e79491b4ULL, "327552.22615268384" },
	{ 0x088a639cf78a2c68ULL, "1.598448581711195e-267" },
	{ 0xbaf96f91d7f27423ULL, "-1.3150010288664537e-24" },
	{ 0x4105b815c21353a8ULL, "177922.7197634254" },
	{ 0x5c1dc1499c85039eULL, "5.406776915501043e+135" },
	{ 0x40547fbfeb741c1aULL, "81.99608885134549" },
	{ 0xc127958edff8e543ULL, "-772807.4374457974" },
	{ 0x61fabc37b0049f8aULL, "9.622357705202439e+163" },
	{ 0x447d4eae69b74a0bULL, "8.650002613670803e+21" },
	{ 0x41142105fa2199b8ULL, "329793.4942688006" },
	{ 0x1ba9d0ba1ff80b0aULL, "2.038592333001931e-175" },
	{ 0xc3280a8b4be335b3ULL, "-3383496415484633.5" },
	{ 0x41237218d73c6310ULL, "637196.420382591" },
	{ 0x166ac2f53e85889cULL, "1.0925573414529071e-200" },
	{ 0x3b3b453acd9c59fdULL, "2.255756976372153e-23" },
	{ 0x4125f139930af186ULL, "719004.7871928669" },
	{ 0x76bcdde9bd2c3b7aULL, "9.089826247836667e+263" },
	{ 0xc3361c29ff2788fdULL, "-6223416187652349.0" },
	{ 0x410bdcb3801f6080ULL, "228246.4375598468" },
	{ 0x7c4fb61b749f86e4ULL, "6.1807425244290804e+290" },
	{ 0x4334516f04101395ULL, "5719036785595285.0" },
	{ 0xc125b0f8d324b300ULL, "-710780.4123893678" },
	{ 0x50205e65550efac3ULL, "9.47684937084858e+77" },
	{ 0xbd39a94d10a28bc3ULL, "-9.116736581048388e-14" },
	{ 0x411ed970ba69fd70ULL, "505436.1820449447" },
	{ 0x70f298f70fa51544ULL, "1.1826375083758438e+236" },
	{ 0x41f1de68ef293a88ULL, "4796616434.57679" },
	{ 0xc0f59be5c0bbbd28ULL, "-88510.35955404176" },
	{ 0x0171ddf50fb04005ULL, "1.042165017889146e-301" },
	{ 0xbaf1435e4d8fd760ULL, "-8.924843350150294e-25" },
	{ 0xc10c4d8ce8e50954ULL, "-231857.61371810234" },
	{ 0x2b004f7b9fb3bb2eULL, "1.456458835945807e-101" },
	{ 0x44e385954a709e16ULL, "7.375131013664867e+23" },
	{ 0xc10ef7f310bdeed8ULL, "-253694.38317476842" },
	{ 0x60bd41c0d530ce6fULL, "1.0042117305930451e+158" },
	{ 0x43948f6ff90bfc2aULL, "3.703814794666994e+17" },
	{ 0xc0ee42709d8f3240ULL, "-61971.519233320374" },
	{ 0x64cd9545678814c3ULL, "3.746200368704671e+177" },
	{ 0x45538ef15cefa2d8ULL, "9.457847590126971e+25" },
	{ 0x4124a1fc9778a498ULL, "676094.2958423076" },
	{ 0x7e2e4a6c1a97920bULL, "6.339210676265204e+299" },
	{ 0xc5734f5fb0ad189fULL, "-3.735107631419272e+26" },
	{ 0x412e288c2097543aULL, "988230.0636545487" },
	{ 0x10526731f831c151ULL, "4.741485800510973e-230" },
	{ 0xbfd0fa99c8902230ULL, "-0.26529545389397224" },
	{ 0xc12720d1166debcfULL, "-757864.5438073816" },
	{ 0x196a5a85b47b1f60ULL, "3.0283961585522058e-186" },
	{ 0x3cf3b8d17444209cULL, "4.379151711678686e-15" },
	{ 0x4122677076e2a80eULL, "603064.2321980016" },
	{ 0x2c46a225c67b06e2ULL, "2.1192440333142042e-95" },
	{ 0xc546884b87b234e1ULL, "-5.448000631386705e+25" },
	{ 0xc11bac509945e8e2ULL, "-453396.14968074684" },
	{ 0x7d9854fb8e45338fULL, "9.945643711640887e+296" },
	{ 0x3cc2084d75962cb9ULL, "5.005005281185227e-16" },
	{ 0x4113b8233b16f5e8ULL, "323080.8077047751" },
	{ 0x7c4e2bd99f3df48bULL, "5.88057378640068e+290" },
	{ 0x4471daa4eced845cULL, "5.269594034470132e+21" },
	{ 0xc0c25b8be2285d40ULL, "-9399.09283928445" },
	{ 0x209c9ff4896ab037ULL, "1.36635967268152e-151" },
	{ 0x3dd734c4ac2bd13dULL, "8.442339452761069e-11" },
	{ 0xc12daad542cc2ad9ULL, "-972138.6304639234" },
	{ 0x490936ac35b8e888ULL, "7.028516167248422e+43" },
	{ 0xbd15770c56617ca9ULL, "-1.9064778204272904e-14" },
	{ 0x4480f0cf064dd592ULL, "1e+22" },
	{ 0x44b52d02c7e14af6ULL, "1e+23" },
	{ 0x4340000000000000ULL, "9007199254740992.0" },
	{ 0x3fd3333333333334ULL, "0.30000000000000004" },
	{ 0x3fd5555555555555ULL, "0.3333333333333333" },
	{ 0x3fe5555555555555ULL, "0.6666666666666666" },
	{ 0x3e7ad7f29abcaf48ULL, "1e-07" },
	{ 0x3c36b082c2148b8eULL, "1.23e-18" },
	{ 0x0000000000000001ULL, "5e-324" },
	{ 0x4341c37937e07fffULL, "9999999999999998.0" },
	{ 0x4341c37937e07fffULL, "9999999999999998.0" },
};

static const char call_xml[] =
    "<?xml version='1.0'?>\n"
    "<methodCall>\n"
    "<methodName>supervisor.startProcess</methodName>\n"
    "<params>\n"
    "<param>\n"
    "<value><string>x</string></value>\n"
    "</param>\n"
    "<param>\n"
    "<value><boolean>1</boolean></value>\n"
    "</param>\n"
    "<param>\n"
    "<value><struct>\n"
    "<member>\n"
    "<name>a</name>\n"
    "<value><array><data>\n"
    "<value><int>1</int></value>\n"
    "<value><string>b</string></value>\n"
    "</data></array></value>\n"
    "</member>\n"
    "</struct></value>\n"
    "</param>\n"
    "</params>\n"
    "</methodCall>\n"
    "";

/* The buffer's bytes as a NUL-terminated string (freed by the caller). */
static char *
drain(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	char *s = malloc(len + 1);

	evbuffer_remove(b, s, len);
	s[len] = '\0';
	return s;
}

Test(xmlrpc_encode, python_dumps_byte_for_byte)
{
	size_t i;

	for (i = 0; i < sizeof enc_cases / sizeof enc_cases[0]; i++) {
		struct evbuffer *b = evbuffer_new();
		json_error_t err;
		json_t *v;
		char *got;

		v = json_loads(enc_cases[i].json, JSON_DECODE_ANY, &err);
		cr_assert_not_null(v, "%s: %s", enc_cases[i].name, err.text);
		cr_assert_eq(xr_encode_response(b, v), 0, "%s",
		    enc_cases[i].name);
		got = drain(b);
		cr_assert_str_eq(got, enc_cases[i].xml, "case %s",
		    enc_cases[i].name);
		free(got);
		json_decref(v);
		evbuffer_free(b);
	}
}

Test(xmlrpc_encode, fault_byte_for_byte)
{
	size_t i;

	for (i = 0; i < sizeof fault_cases / sizeof fault_cases[0]; i++) {
		struct evbuffer *b = evbuffer_new();
		char *got;

		cr_assert_eq(xr_encode_fault(b, fault_cases[i].code,
		    fault_cases[i].string), 0);
		got = drain(b);
		cr_assert_str_eq(got, fault_cases[i].xml);
		free(got);
		evbuffer_free(b);
	}
}

/* docs/supervisord.md §A.3: supervisord's BAD_NAME fault is 270 bytes. */
Test(xmlrpc_encode, fault_length_matches_supervisord)
{
	struct evbuffer *b = evbuffer_new();

	xr_encode_fault(b, 10, "BAD_NAME: nope");
	cr_assert_eq(evbuffer_get_length(b), 270);
	evbuffer_free(b);
}

Test(xmlrpc_encode, double_repr_like_python)
{
	char buf[64];
	double d;
	size_t i;

	for (i = 0; i < sizeof dbl_cases / sizeof dbl_cases[0]; i++) {
		memcpy(&d, &dbl_cases[i].bits, sizeof d);
		xr_format_double(d, buf, sizeof buf);
		cr_assert_str_eq(buf, dbl_cases[i].repr, "bits %016llx",
		    (unsigned long long)dbl_cases[i].bits);
	}
}

Test(xmlrpc_encode, method_call_like_python)
{
	struct evbuffer *b = evbuffer_new();
	json_t *params;
	char *got;

	params = json_loads("[\"x\",true,{\"a\":[1,\"b\"]}]", 0, NULL);
	cr_assert_eq(xr_encode_call(b, "supervisor.startProcess", params), 0);
	got = drain(b);
	cr_assert_str_eq(got, call_xml);
	free(got);
	json_decref(params);
	evbuffer_free(b);
}

/* A result nested past the cap is refused and leaves the buffer as it was,
 * so the caller can still send a fault. */
Test(xmlrpc_encode, too_deep_is_refused_cleanly)
{
	struct evbuffer *b = evbuffer_new();
	json_t *v, *inner;
	int i;

	v = json_array();
	inner = v;
	for (i = 0; i < XR_ENCODE_MAX_DEPTH + 10; i++) {
		json_t *a = json_array();

		json_array_append_new(inner, a);
		inner = a;
	}
	cr_assert_eq(xr_encode_response(b, v), -1);
	cr_assert_eq(evbuffer_get_length(b), 0);
	json_decref(v);
	evbuffer_free(b);
}

/* What the encoder writes, the decoder reads back to the same JSON. */
Test(xmlrpc_encode, round_trip_through_the_decoder)
{
	struct xr_limits lim = { XR_MAX_BODY_DEFAULT, XR_MAX_DEPTH_DEFAULT,
		XR_MAX_VALUES_DEFAULT, XR_MAX_BATCH_DEFAULT };
	size_t i;

	for (i = 0; i < sizeof enc_cases / sizeof enc_cases[0]; i++) {
		struct evbuffer *b;
		json_t *v, *params, *back;
		char err[256], *method, *xml;

		/* XML cannot carry \x01, and turns \r into \n: Python's
		 * client could not read that answer back either. */
		if (strcmp(enc_cases[i].name, "control_chars") == 0)
			continue;
		b = evbuffer_new();
		v = json_loads(enc_cases[i].json, JSON_DECODE_ANY, NULL);
		params = json_pack("[O]", v);
		cr_assert_eq(xr_encode_call(b, "a.b", params), 0);
		xml = drain(b);
		cr_assert_eq(xr_decode_call(xml, strlen(xml), &lim, &method,
		    &back, err, sizeof err), 0, "%s: %s", enc_cases[i].name,
		    err);
		if (!json_equal(back, params)) {
			char *a = json_dumps(params, JSON_ENCODE_ANY);
			char *c = json_dumps(back, JSON_ENCODE_ANY);

			cr_assert_fail("%s: sent %s, read back %s",
			    enc_cases[i].name, a, c);
		}
		cr_assert_str_eq(method, "a.b");
		free(method);
		free(xml);
		json_decref(back);
		json_decref(params);
		json_decref(v);
		evbuffer_free(b);
	}
}

/* Python's escape of s: only &, < and > (the reference, byte by byte). */
static void
ref_escape(char *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '&')
			out = stpcpy(out, "&amp;");
		else if (s[i] == '<')
			out = stpcpy(out, "&lt;");
		else if (s[i] == '>')
			out = stpcpy(out, "&gt;");
		else
			*out++ = s[i];
	}
	*out = '\0';
}

/*
 * Text is copied 8 bytes at a time with the last 8 overlapping: every
 * length around the word and short-text edges, each special (and a byte
 * one bit from '<' or '>') at every place, as a string value and as a
 * struct key, comes out as Python would write it.
 */
Test(xmlrpc_encode, escapes_at_every_place_and_length)
{
	static const size_t lens[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 23,
		24, 25, 255, 256, 257, 300 };
	static const char marks[] = { '&', '<', '>', '=', '?', 0 };
	char s[301], want[301 * 5 + 1], xml[301 * 5 + 160];
	size_t li, at, mi, len;

	for (li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		len = lens[li];
		for (mi = 0; mi < sizeof marks; mi++) {
			for (at = 0; at < (len ? len : 1); at++) {
				struct evbuffer *b = evbuffer_new();
				json_t *v, *o;
				char *got;
				size_t i;

				for (i = 0; i < len; i++)
					s[i] = (char)('a' + i % 26);
				if (len > 0 && marks[mi] != 0)
					s[at] = marks[mi];
				s[len] = '\0';
				ref_escape(want, s, len);

				v = json_stringn(s, len);
				cr_assert_eq(xr_encode_value(b, v), 0);
				got = drain(b);
				snprintf(xml, sizeof xml,
				    "<value><string>%s</string></value>\n",
				    want);
				cr_assert_str_eq(got, xml, "len %zu, '%c' at %zu",
				    len, marks[mi] ? marks[mi] : '-', at);
				free(got);

				o = json_object();
				json_object_setn_new_nocheck(o, s, len,
				    json_integer(1));
				cr_assert_eq(xr_encode_value(b, o), 0);
				got = drain(b);
				snprintf(xml, sizeof xml,
				    "<value><struct>\n<member>\n<name>%s</name>\n"
				    "<value><int>1</int></value>\n</member>\n"
				    "</struct></value>\n", want);
				cr_assert_str_eq(got, xml, "key len %zu, '%c' "
				    "at %zu", len, marks[mi] ? marks[mi] : '-',
				    at);
				free(got);
				json_decref(o);
				json_decref(v);
				evbuffer_free(b);
				if (marks[mi] == 0)
					break;
			}
		}
	}
}

/* Integers are written two digits a step: every edge of that, as printf. */
Test(xmlrpc_encode, integers_like_printf)
{
	static const json_int_t vals[] = { 0, 1, 9, 10, 11, 99, 100, 101,
		999, 1000, 1001, 65535, 99999, 100000, 1733616000, 2147483647,
		2147483648LL, 9999999999LL, 10000000000LL,
		9223372036854775807LL, -1, -9, -10, -99, -100, -101,
		-1733616000, -9223372036854775807LL - 1 };
	char want[64], buf[XR_INT_DIGITS + 1], *p;
	size_t i;

	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		snprintf(want, sizeof want, "%lld", (long long)vals[i]);
		buf[XR_INT_DIGITS] = '\0';
		p = xr_itoa(vals[i], buf + XR_INT_DIGITS);
		cr_assert_str_eq(p, want);
	}
}
