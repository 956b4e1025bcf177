# Writes OUT, a C++ file defining annal::server::kDashboardPage as the bytes
# of IN (the dashboard page), so that the binary serves it without files.
file(READ "${IN}" page)
string(FIND "${page}" ")annal_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string's delimiter")
endif()
file(WRITE "${OUT}.tmp" "// Generated from server/page/index.html by cmake/embed_page.cmake.\n"
  "namespace annal::server {\nextern const char kDashboardPage[];\n"
  "const char kDashboardPage[] = R\"annal_page(${page})annal_page\";\n}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
