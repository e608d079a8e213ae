# Validation at the edge (issue 13): every numeric option and config key is checked before any
# work starts, and a refused command leaves nothing behind. Each case: exactly one
# "mint: error: ..." line naming the option (or file) and what is wrong, a non-zero exit, and
# no output file or directory.
# Inputs: MINT (the binary), WORK (a scratch directory).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(OUT "${WORK}/out")
# expect_refused(NEEDLE ARGS...): expect_error, and ${OUT} was not created.
function(expect_refused needle)
  expect_error("${needle}" ${ARGN})
  if(EXISTS "${OUT}")
    message(FATAL_ERROR "mint ${ARGN}: refused but left ${OUT} behind")
  endif()
endfunction()

set(tiny --train 200 --valid 40 --test-positives 8 --test-per-subset 2 --length 120)
expect_ok(simulate --out ${WORK}/ds ${tiny} --seed 5)
expect_ok(train --data ${WORK}/ds --out ${WORK}/models --filters 4 --epochs 1 --seeds 1 --quiet)
set(model ${WORK}/models/model_f4_seed1.safetensors)
set(data --data ${WORK}/ds)
set(exp experiment negatives --out ${OUT} --quiet)

# 1. --threads beyond the cap (libgomp crashed on 100000), in every command that takes it.
set(threads_needle "--threads: 100000 must be in [0, 1024] (0: all cores)")
expect_refused("${threads_needle}" simulate --out ${OUT} ${tiny} --threads 100000)
expect_refused("${threads_needle}" train ${data} --out ${OUT} --threads 100000)
expect_refused("${threads_needle}" attribute --model ${model} ${data} --method ig
               --out ${OUT} --threads 100000)
expect_refused("${threads_needle}" predict --model ${model} ${data} --out ${OUT} --threads 100000)
expect_refused("${threads_needle}" evaluate --model ${model} ${data} --out ${OUT}
               --threads 100000)
expect_refused("${threads_needle}" stream --model ${model} --out ${OUT} --n 10 --length 120
               --threads 100000)
expect_refused("${threads_needle}" ${exp}
               --threads 100000)
file(WRITE ${WORK}/threads.json "{\"threads\": 100000}")
expect_refused("threads.json: config key 'threads': 100000 must be in [0, 1024]" ${exp}
               --config ${WORK}/threads.json)

# 2. No model without training: --epochs 0 writes nothing, so a later run is not skipped.
expect_refused("--epochs: 0 must be >= 1" train ${data} --out ${OUT} --epochs 0 --seeds 1)
expect_refused("--epochs: 0 must be >= 1" ${exp} --epochs 0)
expect_refused("--patience: -1 must be >= 0" train ${data} --out ${OUT} --patience -1)

# 3. NaN and Inf in numeric options.
expect_refused("--interaction: nan is not a finite number" simulate --out ${OUT} ${tiny}
               --design regression --interaction nan)
expect_refused("--weights: inf is not a finite number" simulate --out ${OUT} ${tiny}
               --design regression --weights 1,inf,1,1)
expect_refused("--gc: nan is not a finite number" simulate --out ${OUT} ${tiny} --gc nan)
expect_refused("--min-instance-score: -inf is not a finite number" simulate --out ${OUT} ${tiny}
               --min-instance-score -inf)
expect_refused("--ic-threshold: nan is not a finite number" score ${data} --attr x.npy
               --out ${OUT} --ic-threshold nan)
expect_refused("--ci: nan is not a finite number" stream --model ${model} --out ${OUT} --n 10
               --length 100 --ci nan)
expect_refused("--lr: inf is not a finite number" train ${data} --out ${OUT} --lr inf)
expect_refused("--lr: nan is not a finite number" ${exp} --lr nan)
expect_refused("--lr: 1e400 is not a finite number" ${exp} --lr 1e400)
# NaN used to become JSON null, i.e. "off", silently.
expect_refused("--min-instance-score: nan is not a finite number" ${exp} --min-instance-score nan)
expect_refused("--pseudocount: nan is not a finite number" motifs distinct_1 --pseudocount nan)

# 4. Out of range: a negative learning rate, a seed that would wrap, absurd counts.
expect_refused("--lr: -0.1 must be > 0" train ${data} --out ${OUT} --lr -0.1)
expect_refused("--lr: -1 must be > 0" ${exp} --lr -1)
expect_refused("--seed: -1 must be >= 0" simulate --out ${OUT} ${tiny} --seed -1)
# The train seeds seed … seed + seeds - 1 used to wrap past 2^64 - 1 to seed 0.
expect_refused("--seed 18446744073709551615 with --seeds 2: the last seed would pass 2^64 - 1"
               train ${data} --out ${OUT} --seed 18446744073709551615 --seeds 2)
expect_refused("--seed 18446744073709551610 with --seeds 7: the last seed would pass 2^64 - 1"
               train ${data} --out ${OUT} --seed 18446744073709551610 --seeds 7)
expect_refused("--seed: -5 must be >= 0" attribute --model ${model} ${data} --method fp
               --out ${OUT} --seed -5)
expect_refused("--bootstrap: 2000000000 must be in [0, 1000000]" score ${data} --attr x.npy
               --out ${OUT} --bootstrap 2000000000)
expect_refused("--bootstrap: 2000000000 must be in [0, 1000000]" ${exp}
               --bootstrap 2000000000)
expect_refused("--ig-steps: 100000000 must be in [1, 1024]" ${exp} --ig-steps 100000000)
expect_refused("--length: -3 must be in [1, 16777216]" predict --model ${model} ${data}
               --out ${OUT} --length -3)
expect_refused("--train: '1e4' is not an integer" simulate --out ${OUT} --train 1e4)
expect_refused("--epochs: 'abc' is not an integer" ${exp} --epochs abc)
expect_refused("--epochs: 99999999999 does not fit a 32-bit integer" ${exp}
               --epochs 99999999999)

# 5. Ignored input: an empty or blank config file, a directory as the config.
file(WRITE ${WORK}/empty.json "")
file(WRITE ${WORK}/blank.json "  \n")
expect_refused("empty.json: the config file is empty" ${exp} --config ${WORK}/empty.json)
expect_refused("blank.json: the config file is empty" ${exp} --config ${WORK}/blank.json)
expect_refused("${WORK}" ${exp} --config ${WORK})

# 6. Sizes checked before allocating, the limit named.
expect_refused("--length: 2000000000 must be in [1, 16777216]" simulate --out ${OUT}
               --length 2000000000)
expect_refused("--length: 2000000000 must be in [1, 16777216]" ${exp} --length 2000000000)
set(ENV{MINT_MEMORY_LIMIT} 1M)
expect_refused("the simulation needs 79.5 MiB (13000 sequences x 300 bases, and writing 10000 of them at once), more than the memory limit of 1.0 MiB (MINT_MEMORY_LIMIT)"
               simulate --out ${OUT} --train 10000 --valid 1000 --test-positives 500
               --test-per-subset 100 --length 300)
expect_refused("--length 5000: the simulation needs" ${exp} --length 5000)
expect_refused("training (--batch 64) needs" train ${data} --out ${OUT} --batch 64 --quiet)
unset(ENV{MINT_MEMORY_LIMIT})
expect_refused("more than 268435456 (2^28); use fewer --filters" train ${data} --out ${OUT}
               --filters 100000000 --quiet)
expect_refused("--filters: 100000000 filters x L" ${exp} --filters 100000000)

# 7. Errors that name their input.
# scores [0.1, NaN, 0.3] as float32 and labels [0, 1, 1] as int64, written by hand (.npy v1).
function(write_npy path descr n hex)
  set(header "{'descr': '${descr}', 'fortran_order': False, 'shape': (${n},), }")
  string(LENGTH "${header}" len)
  math(EXPR pad "63 - (10 + ${len}) % 64")
  string(REPEAT " " ${pad} spaces)
  set(header "${header}${spaces}\n")
  string(LENGTH "${header}" hlen)
  math(EXPR lo "${hlen} % 256")
  math(EXPR hi "${hlen} / 256")
  string(HEX "${header}" header_hex)
  math(EXPR lo "${lo}" OUTPUT_FORMAT HEXADECIMAL)
  math(EXPR hi "${hi}" OUTPUT_FORMAT HEXADECIMAL)
  string(SUBSTRING "${lo}" 2 -1 lo)
  string(SUBSTRING "${hi}" 2 -1 hi)
  if(lo MATCHES "^.$")
    set(lo "0${lo}")
  endif()
  if(hi MATCHES "^.$")
    set(hi "0${hi}")
  endif()
  set(all "934e554d50590100${lo}${hi}${header_hex}${hex}")
  string(REGEX REPLACE "([0-9a-fA-F][0-9a-fA-F])" "\\\\x\\1" escaped "${all}")
  execute_process(COMMAND printf "${escaped}" OUTPUT_FILE "${path}")
endfunction()
write_npy(${WORK}/scores.npy "<f4" 3 "cdcccc3d0000c07f9a99993e")
write_npy(${WORK}/labels.npy "<i8" 3 "000000000000000001000000000000000100000000000000")
expect_error("scores.npy: Input contains NaN." auprc --labels ${WORK}/labels.npy
             --scores ${WORK}/scores.npy)
# A model's seed in its file name beyond 64 bits: named, not "stoull".
file(COPY_FILE ${model} ${WORK}/models/big_f4_seed99999999999999999999999.safetensors)
file(COPY_FILE ${WORK}/models/model_f4_seed1.log.tsv
     ${WORK}/models/big_f4_seed99999999999999999999999.log.tsv)
expect_refused("big_f4_seed99999999999999999999999.safetensors: the seed in the file name"
               evaluate --model ${WORK}/models/big_f4_seed99999999999999999999999.safetensors
               ${data} --out ${OUT})

# 8. Every numeric option of every command goes through a validator: NaN in a number, -1 in
#    a seed and 1e3 in an integer are refused by it (its messages), never accepted or
#    truncated. Required options get placeholders: validation runs before the command.
set(need_sim simulate --out ${OUT})
set(need_train train --data x --out ${OUT})
set(need_attr attribute --model m --data x --method ig --out ${OUT})
set(need_pred predict --model m --data x --out ${OUT})
set(need_eval evaluate --model m --data x)
set(need_score score --data x --attr a.npy --out ${OUT})
set(need_stream stream --model m --out ${OUT})
set(need_motifs motifs distinct_1)
set(flags_num
    "need_sim:--interaction,--weights,--gc,--pseudocount,--min-instance-score"
    "need_train:--lr"
    "need_score:--ic-threshold,--ci"
    "need_stream:--ic-threshold,--ci,--checkpoint-seconds,--interaction,--weights,--gc,--pseudocount,--min-instance-score"
    "need_motifs:--pseudocount")
set(flags_seed "need_sim:--seed" "need_train:--seed" "need_attr:--seed" "need_score:--seed"
               "need_stream:--seed,--fp-seed,--bootstrap-seed")
set(flags_int
    "need_sim:--train,--valid,--test-positives,--test-per-subset,--test-per-count,--length,--filter-width,--gaps,--threads"
    "need_train:--filters,--width,--hidden1,--hidden2,--epochs,--patience,--batch,--seeds,--threads"
    "need_attr:--steps,--batch-size,--target-index,--length,--pool-width,--threads"
    "need_pred:--target-index,--length,--pool-width,--threads"
    "need_eval:--length,--pool-width,--threads"
    "need_score:--filters,--bootstrap"
    "need_stream:--n,--chunk,--save-attributions,--bootstrap,--pair-resamples,--steps,--fp-batch,--target-index,--test-positives,--test-per-subset,--test-per-count,--length,--filter-width,--gaps,--pool-width,--threads")
foreach(kind num seed int)
  if(kind STREQUAL "num")
    set(value nan)
    set(what "nan is not a finite number")
  elseif(kind STREQUAL "seed")
    set(value -1)
    set(what "-1 must be >= 0")
  else()
    set(value 1e3)
    set(what "'1e3' is not an integer")
  endif()
  foreach(entry ${flags_${kind}})
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 cmd)
    list(GET parts 1 flags)
    string(REPLACE "," ";" flags "${flags}")
    foreach(flag ${flags})
      expect_refused("${flag}: ${what}" ${${cmd}} ${flag} ${value})
    endforeach()
  endforeach()
endforeach()

# 9. The experiment's geometry and motif sets, checked before anything is written (no data,
#    no config.json), naming the flag.
expect_refused("--pool: 200 is longer than the 120 conv outputs of length 120" ${exp}
               --pool 200 --length 120)
expect_refused("--sets: unknown motif set 'nonexist': not a bundled set (distinct_1, MEF2A)"
               ${exp} --sets nonexist)
file(WRITE ${WORK}/pool.json "{\"pool\": 200, \"length\": 120}")
expect_refused("pool.json: config key 'pool': 200 is longer than" ${exp}
               --config ${WORK}/pool.json)
expect_refused("--width: the filter width K = 200 is longer than length 120" ${exp}
               --width 200 --length 120)
expect_refused("--valid 2 is too small for this design" ${exp} --valid 2)
expect_refused("--regression-valid 2 is too small for this design" experiment interactions
               --out ${OUT} --quiet --regression-valid 2)
# conv2 convolves the pooled positions (length / pool), not the length.
expect_refused("--conv2-width: 30 must be in [0, 12] (0: none; length 120 / pool 10" ${exp}
               --pool 10 --conv2-width 30 --length 120)
expect_refused("--conv2-width: 12 is longer than the 10 pooled positions it convolves" ${exp}
               --pool 10 --conv2-width 12 --length 120 --padding valid)

# 10. A general sequential model's training memory is checked before its network allocates:
#     64 sequences x (480 + 2 x 960 + 17) floats x 2 x 4 bytes = 1.2 MiB > 1 MiB.
file(WRITE "${WORK}/arch.json" [=[
{"input": {"channels": 4, "length": 120},
 "layers": [
  {"type": "Conv1d", "name": "c1", "in_channels": 4, "out_channels": 8, "kernel_size": 9,
   "padding": "same"},
  {"type": "ReLU"}, {"type": "GlobalMaxPool1d"}, {"type": "Flatten"},
  {"type": "Linear", "name": "fc", "in_features": 8, "out_features": 1}]}
]=])
set(ENV{MINT_MEMORY_LIMIT} 1M)
expect_refused("training (--batch 64) needs" train ${data} --out ${OUT} --batch 64 --quiet
               --arch ${WORK}/arch.json)
unset(ENV{MINT_MEMORY_LIMIT})

# 11. A malformed MINT_MEMORY_LIMIT or MINT_DEVICE_MEMORY_LIMIT is an error naming it, never
#     silently the machine's RAM or no limit; any command stops at once (`motifs` allocates
#     nothing).
foreach(var MINT_MEMORY_LIMIT MINT_DEVICE_MEMORY_LIMIT)
  foreach(limit abc -5 1e999 1.5G 0 99999999999999999999 16777216T "")
    set(saved_mint "${MINT}")
    set(MINT ${CMAKE_COMMAND} -E env "${var}=${limit}" ${saved_mint})
    expect_refused("${var}: '${limit}' " simulate --out ${OUT} ${tiny})
    expect_refused("${var}: '${limit}' " motifs distinct_1)
    set(MINT "${saved_mint}")
  endforeach()
endforeach()

# 12. A single-valued option given twice is an error naming it, in the experiment as in every
#     command (lists may be given in pieces: --sets a --sets b).
expect_refused("--epochs: At Most 1 required but received 2" ${exp} --epochs 3 --epochs 5)
expect_refused("--lr: At Most 1 required but received 2" ${exp} --lr 0.1 --lr 0.2)
expect_refused("--epochs: At Most 1 required but received 2" train ${data} --out ${OUT}
               --epochs 3 --epochs 5)
expect_refused("--length: At Most 1 required but received 2" simulate --out ${OUT} ${tiny}
               --length 100)

# 12b. A method listed twice (one flag, the flag repeated, the config key) would run and report
#      every row twice: refused as stream's --method and the experiment's --sets are.
expect_refused("--methods: grad given twice" ${exp} --methods grad,grad)
expect_refused("--methods: grad given twice" ${exp} --methods grad --methods grad)
file(WRITE ${WORK}/methods.json "{\"methods\": [\"grad\", \"grad\"]}")
expect_refused("methods.json: config key 'methods': grad given twice" ${exp}
               --config ${WORK}/methods.json)

# 12c. A seed takes [0, 2^64 - 1] in the experiment as in simulate and train, and a signed zero
#      is 0 in every command (the later error shows the seed was taken).
expect_refused("--pool: 200 is longer than" ${exp} --seed 18446744073709551615 --pool 200
               --length 120)
expect_refused("--pool: 200 is longer than" ${exp} --seed=-0 --pool 200 --length 120)
# Patience 0 (stop at the first epoch without a gain), as mint train takes it.
expect_refused("--pool: 200 is longer than" ${exp} --patience 0 --pool 200 --length 120)
expect_ok(train ${data} --out ${WORK}/models_z --filters 4 --epochs 1 --seeds 1 --quiet --seed=-0)

# 12d. A config file's key given twice is refused (never last-wins), and "pool" takes "global"
#      or a JSON integer, not a numeric string, as every other key.
file(WRITE ${WORK}/twice.json "{\"pool\": 10, \"pool\": 251}")
expect_refused("twice.json: key 'pool' given twice" ${exp} --config ${WORK}/twice.json)
file(WRITE ${WORK}/poolstr.json "{\"pool\": \"10\"}")
expect_refused("poolstr.json: key 'pool' must be \"global\" or an integer, got \"10\"" ${exp}
               --config ${WORK}/poolstr.json)

# 12e. The grammar's span names the experiment's own key or flag (it has no --filter-width or
#      --gaps): the config file's key, or the flag.
file(WRITE ${WORK}/length98.json "{\"length\": 98}")
expect_refused("length98.json: config key 'length': the grammar spans" ${exp}
               --config ${WORK}/length98.json)
expect_refused("but the length is 98 (data_w of set distinct_1); use a longer length" ${exp}
               --config ${WORK}/length98.json)
expect_refused("--length: the grammar spans" ${exp} --length 98)

# 13. Only plain decimal numbers: hex floats, other infinity spellings and "+-3" are refused.
expect_refused("--lr: '0x10' is not a number" train ${data} --out ${OUT} --lr 0x10)
expect_refused("--lr: '0x10' is not a number" ${exp} --lr 0x10)
expect_refused("--gc: 'infinite' is not a number" simulate --out ${OUT} ${tiny} --gc infinite)
expect_refused("--epochs: '+-3' is not an integer" train ${data} --out ${OUT} --epochs +-3)
expect_refused("--epochs: '+-3' is not an integer" ${exp} --epochs +-3)
expect_refused("--lr: '+-3' is not a number" ${exp} --lr +-3)

# 14. An error during a step starts on a fresh line: the experiment's unfinished status line
#     ("[1/12] data distinct_1 data_w …" on stdout) is ended first. A file where a set's directory goes
#     makes the first step fail.
file(MAKE_DIRECTORY ${WORK}/blocked)
file(WRITE ${WORK}/blocked/distinct_1 "")
execute_process(COMMAND ${MINT} experiment negatives --out ${WORK}/blocked ${tiny} --epochs 1
                --seeds 1 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "^mint: error: .*cannot create directory")
  message(FATAL_ERROR "mint experiment into a blocked directory: exit ${rc}\n${out}\n${err}")
endif()
if(NOT out MATCHES "\\[1/[0-9]+\\] data [^\n]*\n$")
  message(FATAL_ERROR "mint experiment: the status line was left open before the error:\n${out}")
endif()

# 15. The experiment checks its simulations' memory (as mint simulate does) before writing.
set(ENV{MINT_MEMORY_LIMIT} 60M)
expect_refused("the simulation needs 78.3 MiB (14500 sequences x 250 bases" ${exp})
# Only the data sets the experiment builds count (negatives: no regression sets), a batch holds
# at most a split's sequences (the blocked directory's error, after the checks, shows they
# passed), and the flag that set a key is named.
set(ENV{MINT_MEMORY_LIMIT} 1G)
set(long --length 200000 --train 50 --valid 40 --test-positives 8 --test-per-subset 2)
file(MAKE_DIRECTORY ${WORK}/blocked_long)
file(WRITE ${WORK}/blocked_long/distinct_1 "")
expect_error("cannot create directory" experiment negatives --out ${WORK}/blocked_long --quiet
             ${long} --filters 4)
expect_refused("--filters: training 64 filters needs" ${exp} ${long} --filters 64)
unset(ENV{MINT_MEMORY_LIMIT})

# 16. A failed write (here ulimit -f: 50 KB, less than train.seq.npy) leaves no partial data set:
#     mint simulate removes the directories it made.
set(saved_mint "${MINT}")
set(MINT sh -c "ulimit -f 100 && exec \"$0\" \"$@\"" ${saved_mint})
expect_refused("train.seq.npy: write failed" simulate --out ${OUT}/a/b --train 200 --valid 40
               --test-positives 8 --test-per-subset 2 --length 1000)
# A failed simulate over a finished data set leaves it whole (files staged, moved in at the end).
set(MINT "${saved_mint}")
expect_ok(simulate --out ${WORK}/keepds --train 200 --valid 40 --test-positives 8
          --test-per-subset 2 --length 1000 --seed 1)
file(READ ${WORK}/keepds/dataset.json keep_json)
set(MINT sh -c "ulimit -f 100 && exec \"$0\" \"$@\"" ${saved_mint})
expect_error("write failed" simulate --out ${WORK}/keepds --train 200 --valid 40
             --test-positives 8 --test-per-subset 2 --length 1000 --seed 2)
file(READ ${WORK}/keepds/dataset.json keep_after)
file(GLOB keep_stage ${WORK}/keepds/.mint-simulate.tmp.*)
if(NOT keep_json STREQUAL keep_after OR keep_stage)
  message(FATAL_ERROR "a failed simulate changed the finished data set or left ${keep_stage}")
endif()
# A failed train (the model not written) leaves neither its log nor the directory it made.
set(MINT sh -c "ulimit -f 1 && exec \"$0\" \"$@\"" ${saved_mint})
expect_refused("model_f4_seed1.safetensors: write failed" train ${data} --out ${OUT}/t
               --filters 4 --epochs 2 --seeds 1 --threads 1 --quiet)
file(MAKE_DIRECTORY ${WORK}/trainfail)
expect_error("model_f4_seed1.safetensors: write failed" train ${data} --out ${WORK}/trainfail
             --filters 4 --epochs 2 --seeds 1 --threads 1 --quiet)
if(EXISTS ${WORK}/trainfail/model_f4_seed1.log.tsv)
  message(FATAL_ERROR "a failed train left model_f4_seed1.log.tsv without its model")
endif()
set(MINT "${saved_mint}")

# 17. An ensemble's models must have one shape (filters F, input length L), in evaluate and
#     stream as in attribute: the error names the odd model file.
expect_ok(train ${data} --out ${WORK}/models8 --filters 8 --epochs 1 --seeds 1 --quiet)
set(model8 ${WORK}/models8/model_f8_seed1.safetensors)
expect_ok(simulate --out ${WORK}/ds100 --train 200 --valid 40 --test-positives 8
          --test-per-subset 2 --length 100 --no-fasta)
expect_ok(train --data ${WORK}/ds100 --out ${WORK}/models100 --filters 4 --epochs 1 --seeds 1
          --quiet)
set(model100 ${WORK}/models100/model_f4_seed1.safetensors)
expect_refused("--model ${model8}: filters F 8" evaluate --model ${model} --model ${model8}
               ${data} --out ${OUT})
expect_refused("--model M ${model8}: filters F 8" stream --model M=${model},${model8}
               --out ${OUT} --n 10 --length 120)
expect_refused("--model ${model100}: input length L 100, but the ensemble's first model"
               evaluate --model ${model} --model ${model100} ${data} --out ${OUT})
# (stream reads the models at its --length: the loader names the file first.)
expect_refused("${model100}: tensor 'fc1.weight'" stream --model M=${model},${model100}
               --out ${OUT} --n 10 --length 120)

# 18. The experiment's flags say what is wrong as every other command's options do (the value,
#     then the range: apps/options.hpp), the same for a flag and for the train command.
foreach(case "--epochs;0;0 must be >= 1" "--patience;-1;-1 must be >= 0"
        "--batch;0;0 must be in [1, 65536]" "--seeds;0;0 must be >= 1"
        "--pseudocount;1;1 must be in [0, 1)" "--hidden1;0;0 must be >= 1"
        "--pool;-3;-3 must be >= 1 (or \"global\")" "--fp-batch;1;1 must be in [2, 1048576]")
  list(GET case 0 flag)
  list(GET case 1 value)
  list(GET case 2 what)
  expect_refused("${flag}: ${what}" ${exp} ${flag} ${value})
endforeach()
expect_refused("--batch: 0 must be in [1, 65536]" train ${data} --out ${OUT} --batch 0)
