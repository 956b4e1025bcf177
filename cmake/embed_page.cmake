# Writes OUT, a C++ file defining annal::server::NAME (default
# kDashboardPage) as the bytes of IN, so that the binary serves it without
# files: the dashboard page, and Debian's Chart.js for its charts.
if(NOT NAME)
  set(NAME kDashboardPage)
endif()
file(READ "${IN}" page)
string(FIND "${page}" ")annal_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string's delimiter")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/embed_page.cmake.\n"
  "namespace annal::server {\nextern const char ${NAME}[];\n"
  "const char ${NAME}[] = R\"annal_page(${page})annal_page\";\n}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
