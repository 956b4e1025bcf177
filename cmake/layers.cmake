# The layers as build targets (docs/design.md, "The layers").
#
# Every include names its layer from the repository root ("store/keys.h"),
# so an include path holding the root would let any layer reach any other.
# Instead each layer compiles against a view of its own: a folder in the
# build tree with a symbolic link for itself and for each layer beneath it,
# and nothing else. An include that reaches upwards is then a missing file,
# and the build fails at that line. tools/check_layers.sh still reads every
# header and every tree the build does not compile (tests, examples).

# The folders a layer view may hold: name -> path in the source tree.
set(ANNAL_LAYER_DIR_common common)
set(ANNAL_LAYER_DIR_annal include/annal)
set(ANNAL_LAYER_DIR_store store)
set(ANNAL_LAYER_DIR_events events)
set(ANNAL_LAYER_DIR_validator validator)
set(ANNAL_LAYER_DIR_projectors projectors)
set(ANNAL_LAYER_DIR_engine engine)
set(ANNAL_LAYER_DIR_workload workload)
set(ANNAL_LAYER_DIR_server server)
set(ANNAL_LAYER_DIR_replication replication)
set(ANNAL_LAYER_DIR_python python)

# annal_layer_view(NAME SEES...): the folder ${PROJECT_BINARY_DIR}/layers/NAME
# with a link for each layer in SEES. Sets ANNAL_LAYER_VIEW in the caller.
function(annal_layer_view name)
  set(view ${PROJECT_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view})
  foreach(seen ${ARGN})
    if(NOT DEFINED ANNAL_LAYER_DIR_${seen})
      message(FATAL_ERROR "annal_layer_view(${name}): no layer called ${seen}")
    endif()
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${ANNAL_LAYER_DIR_${seen}} ${view}/${seen} SYMBOLIC)
  endforeach()
  set(ANNAL_LAYER_VIEW ${view} PARENT_SCOPE)
endfunction()

# annal_layer_includes(TARGET NAME): compile TARGET with layer NAME's view
# (made by annal_layer_view) as its only project include path.
function(annal_layer_includes target name)
  target_include_directories(${target} PRIVATE ${PROJECT_BINARY_DIR}/layers/${name})
endfunction()
