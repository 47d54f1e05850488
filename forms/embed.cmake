# SPDX-License-Identifier: EUPL-1.2
# Turns the catalogue's JSON files into a C table, so that baton carries its forms inside it.
set(body "/* SPDX-License-Identifier: EUPL-1.2 */\n/* Generated from forms/catalogue by embed.cmake; do not edit. */\n")
string(APPEND body "#include <stddef.h>\n#include \"builtin.h\"\n\n")
set(table "")
set(i 0)
list(SORT FILES)
foreach(f IN LISTS FILES)
  get_filename_component(name ${f} NAME)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # unsigned: the UTF-8 bytes of Dutch labels (0xc3 ...) do not fit a signed char
  string(APPEND body "static const unsigned char doc${i}[] = {${bytes}0x00};\n")
  string(APPEND table "    {\"${name}\", (const char *)doc${i}, sizeof doc${i} - 1},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\nconst struct forms_builtin forms_builtin[] = {\n${table}    {NULL, NULL, 0},\n};\n")
file(WRITE ${OUT} "${body}")
