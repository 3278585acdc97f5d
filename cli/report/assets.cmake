# The HTML report's stylesheet and scripts are files here, compiled into the CLI
# as strings (the way services/extract embeds deploy/config/taxonomy.yaml);
# editing one re-runs CMake. Sets RF_REPORT_ASSETS_CC, the generated source.
set(RF_REPORT_DIR ${CMAKE_CURRENT_LIST_DIR})
foreach(asset report.css error_hook.js report.js report_assets.cc.in)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${RF_REPORT_DIR}/${asset})
endforeach()
file(READ ${RF_REPORT_DIR}/report.css RF_REPORT_CSS)
file(READ ${RF_REPORT_DIR}/error_hook.js RF_REPORT_ERROR_HOOK_JS)
file(READ ${RF_REPORT_DIR}/report.js RF_REPORT_JS)
foreach(content RF_REPORT_CSS RF_REPORT_ERROR_HOOK_JS RF_REPORT_JS)
  string(FIND "${${content}}" ")RF_ASSET" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${content} contains the raw-string delimiter )RF_ASSET")
  endif()
endforeach()
configure_file(${RF_REPORT_DIR}/report_assets.cc.in ${CMAKE_CURRENT_BINARY_DIR}/report_assets.cc @ONLY)
set(RF_REPORT_ASSETS_CC ${CMAKE_CURRENT_BINARY_DIR}/report_assets.cc)
