# ctest: the layer check passes on the tree and fails, naming the file and
# both layers, on a module that includes one above it.
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -P check_layers_test.cmake
set(checker "${SOURCE_DIR}/scripts/check_layers.cmake")
execute_process(COMMAND ${CMAKE_COMMAND} -DSIP_DIR=${SOURCE_DIR}/libsip/sip -P ${checker}
                RESULT_VARIABLE ok_rc ERROR_VARIABLE ok_err)
if(NOT ok_rc EQUAL 0)
  message(FATAL_ERROR "the real tree violates the layer map:\n${ok_err}")
endif()
set(bad "${WORK_DIR}/layers_bad/sip")
file(REMOVE_RECURSE "${WORK_DIR}/layers_bad")
file(MAKE_DIRECTORY "${bad}/uri" "${bad}/b2bua")
file(WRITE "${bad}/uri/wrong.cpp" "#include \"sip/b2bua/call_manager.hpp\"\n")
file(WRITE "${bad}/b2bua/fine.cpp" "#include \"sip/uri/uri.hpp\"\n")
execute_process(COMMAND ${CMAKE_COMMAND} -DSIP_DIR=${bad} -P ${checker}
                RESULT_VARIABLE bad_rc ERROR_VARIABLE bad_err)
if(bad_rc EQUAL 0)
  message(FATAL_ERROR "an include from layer 1 to layer 5 passed the layer check")
endif()
if(NOT bad_err MATCHES "sip/uri/wrong.cpp: sip/uri \\(layer 1\\) includes sip/b2bua \\(layer 5\\)")
  message(FATAL_ERROR "unexpected report:\n${bad_err}")
endif()
if(bad_err MATCHES "fine.cpp")
  message(FATAL_ERROR "a downward include was reported:\n${bad_err}")
endif()
