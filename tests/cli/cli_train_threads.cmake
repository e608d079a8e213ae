# mint train of the paper's model writes the same bytes for any thread count (issue 13): every
# sum over a batch runs over fixed blocks of sequences in block order (ops/cnn/cnn.hpp), so
# --threads 1, 2 and 3 give one model file — BatchNorm on and off, ReLU and exp, pool 10 and
# global. 300 training sequences make batches of 128, 128 and 44 (several blocks each, a short
# last batch).
# Inputs: MINT (the binary), WORK (a scratch directory).
cmake_policy(SET CMP0053 NEW)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(d "${WORK}/data")
expect_ok(simulate --out ${d} --train 300 --valid 60 --test-positives 10 --test-per-subset 2
          --seed 7 --threads 1)

set(configs "bn_relu_pool10" "nobn_exp_global" "bn_exp_global")
set(bn_relu_pool10_args --filters 8)
set(nobn_exp_global_args --filters 8 --no-batchnorm --activation exp --pool-width global)
set(bn_exp_global_args --filters 4 --activation exp --pool-width global --padding valid)
foreach(config ${configs})
  foreach(threads 1 2 3)
    expect_ok(train --data ${d} --out ${WORK}/${config}_t${threads} ${${config}_args} --seeds 1
              --epochs 2 --threads ${threads} --quiet)
  endforeach()
  file(GLOB models "${WORK}/${config}_t1/*.safetensors")
  list(LENGTH models count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${config}: expected one model file in ${WORK}/${config}_t1")
  endif()
  get_filename_component(name "${models}" NAME)
  foreach(threads 2 3)
    same_file(${models} ${WORK}/${config}_t${threads}/${name}
              "mint train (${config}), --threads 1 vs ${threads}")
  endforeach()
endforeach()
