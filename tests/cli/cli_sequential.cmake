# General sequential models from the command line (issue 12, docs/models.md): mint train --arch,
# predict, attribute with every method and --target-index, the experiment's architecture key,
# training bit-identical for any thread count, and one error line for each bad input.
# Inputs: MINT (the binary), WORK (a scratch directory), DATA (tests/data).
cmake_policy(SET CMP0053 NEW)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(d "${WORK}/data")
expect_ok(simulate --out ${d} --train 200 --valid 60 --test-positives 10 --test-per-subset 2
          --seed 5)
set(arch "${WORK}/two_conv.json")
file(WRITE "${arch}" [=[
{"input": {"channels": 4, "length": 250},
 "layers": [
  {"type": "Conv1d", "name": "c1", "in_channels": 4, "out_channels": 8, "kernel_size": 9,
   "padding": "same"},
  {"type": "BatchNorm1d", "name": "bn", "num_features": 8},
  {"type": "ReLU"},
  {"type": "MaxPool1d", "kernel_size": 5},
  {"type": "Conv1d", "name": "c2", "in_channels": 8, "out_channels": 8, "kernel_size": 3,
   "padding": "same", "dilation": 2},
  {"type": "GELU"},
  {"type": "GlobalMaxPool1d"},
  {"type": "Flatten"},
  {"type": "Dropout", "p": 0.2},
  {"type": "Linear", "name": "fc", "in_features": 8, "out_features": 1}]}
]=])

# Training: one file per seed, the same bytes for 1 and 2 threads.
expect_ok(train --data ${d} --out ${WORK}/m1 --arch ${arch} --seeds 1 --epochs 2 --threads 1
          --quiet)
expect_ok(train --data ${d} --out ${WORK}/m2 --arch ${arch} --seeds 1 --epochs 2 --threads 2
          --quiet)
set(model "${WORK}/m1/model_f8_seed1.safetensors")
same_file(${model} ${WORK}/m2/model_f8_seed1.safetensors "mint train --arch, 1 vs 2 threads")
file(READ "${model}" header OFFSET 8 LIMIT 3000)  # after the header's length (binary)
foreach(needle "mint.architecture" "GlobalMaxPool1d" "c2.weight")
  string(FIND "${header}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${model}: the header lacks '${needle}'")
  endif()
endforeach()

expect_ok(predict --model ${model} --data ${d} --out ${WORK}/p.npy)
foreach(method grad saliency ixg ig deeplift ism fp)
  expect_ok(attribute --model ${model} --data ${d} --method ${method} --out ${WORK}/a_${method}.npy)
endforeach()
expect_ok(attribute --model ${model} --data ${d} --method deeplift --deeplift-compat captum-0.8
          --out ${WORK}/a_dl08.npy)

# A two-output head (a fixture): both outputs attribute, a third does not exist.
set(head "${DATA}/sequential/two_output_head")
expect_ok(attribute --model ${head}/model.safetensors --data ${head}/inputs.npy --method ig
          --target-index 1 --out ${WORK}/t1.npy)
expect_ok(predict --model ${head}/model.safetensors --data ${head}/inputs.npy --target-index 1
          --out ${WORK}/t1_logits.npy)
expect_error("--target-index 2 is out of range" attribute --model ${head}/model.safetensors
             --data ${head}/inputs.npy --method ig --target-index 2 --out ${WORK}/x.npy)
expect_error("--target-index 1 is out of range" attribute --model ${model} --data ${d}
             --method ig --target-index 1 --out ${WORK}/x.npy)

# Bad architectures: one line naming the layer and what is wrong.
file(WRITE "${WORK}/bad_shape.json" [=[
{"input": {"channels": 4, "length": 250},
 "layers": [{"type": "Conv1d", "name": "c1", "in_channels": 4, "out_channels": 8,
             "kernel_size": 9, "padding": "same"},
            {"type": "GlobalAvgPool1d"}, {"type": "Flatten"},
            {"type": "Linear", "name": "fc", "in_features": 9, "out_features": 1}]}
]=])
expect_error("layer 3 ('fc', Linear): in_features 9 but its input has 8 features"
             train --data ${d} --out ${WORK}/bad --arch ${WORK}/bad_shape.json)
file(WRITE "${WORK}/lstm.json" [=[
{"input": {"channels": 4, "length": 250}, "layers": [{"type": "LSTM", "name": "0"}]}
]=])
expect_error("layer 0 ('0', LSTM): unsupported layer type" train --data ${d} --out ${WORK}/bad
             --arch ${WORK}/lstm.json)
# A PyTorch setting mint would ignore is an error, not a silently different model.
file(WRITE "${WORK}/circular.json" [=[
{"input": {"channels": 4, "length": 250},
 "layers": [{"type": "Conv1d", "name": "c1", "in_channels": 4, "out_channels": 8,
             "kernel_size": 9, "padding": 4, "padding_mode": "circular"},
            {"type": "GlobalAvgPool1d"}, {"type": "Flatten"},
            {"type": "Linear", "name": "fc", "in_features": 8, "out_features": 1}]}
]=])
expect_error("layer 0 ('c1', Conv1d): unsupported setting padding_mode = \"circular\"" train
             --data ${d} --out ${WORK}/bad --arch ${WORK}/circular.json)
expect_error("--filters describes the paper's model" train --data ${d} --out ${WORK}/bad
             --arch ${arch} --filters 16)
file(WRITE "${WORK}/other_weights.json" [=[
{"input": {"channels": 4, "length": 100},
 "layers": [{"type": "Conv1d", "name": "0", "in_channels": 4, "out_channels": 16,
             "kernel_size": 9, "padding": "same"},
            {"type": "ReLU"}, {"type": "GlobalMaxPool1d"}, {"type": "Flatten"},
            {"type": "Linear", "name": "6", "in_features": 16, "out_features": 1}]}
]=])
set(dil "${DATA}/sequential/dilated_conv_maxpool")
expect_error("layer 4 ('6', Linear): tensor '6.weight' has shape [1, 400], expected [1, 16]" predict --model ${dil}/model.safetensors
             --arch ${WORK}/other_weights.json --data ${dil}/inputs.npy --out ${WORK}/x.npy)
expect_error("--pool-width, --padding and --activation describe the paper's model"
             predict --model ${model} --pool-width 4 --data ${d} --out ${WORK}/x.npy)

# The experiment's architecture key: general models for every model kind, config.json holds
# the architecture; a length that is not the architecture's is an error.
expect_ok(experiment all --quick --out ${WORK}/exp --architecture ${arch} --train 200 --valid 60
          --test-positives 10 --test-per-subset 2 --regression-train 100 --regression-valid 40
          --test-per-count 16 --epochs 1 --seeds 1 --methods ig,deeplift --effects additive
          --bootstrap 10 --quiet)
file_has(${WORK}/exp/config.json "\"architecture\"" "GlobalMaxPool1d")
file_has(${WORK}/exp/report.html "distinct_1")
expect_error("--architecture: has input length 250 but the experiment's length is 300"
             experiment all --quick --out ${WORK}/exp2 --architecture ${arch} --length 300)
