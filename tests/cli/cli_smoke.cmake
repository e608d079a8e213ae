# The CLI end to end (run by ctest as `cmake -P`): the README's commands work, and bad input
# gives exactly one "mint: error: ..." line on stderr and a non-zero exit.
# Inputs: MINT (the binary), WORK (a scratch directory), DATA (tests/data).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

expect_ok(motifs distinct_1)
foreach(word CREB1 NHLH1 ETS1 TEAD1 GGTGACGTCACC "Pearson similarity")
  string(FIND "${LAST_OUT}" "${word}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mint motifs distinct_1: output lacks '${word}':\n${LAST_OUT}")
  endif()
endforeach()
expect_ok(motifs MEF2A)
expect_ok(--version)

set(out "${WORK}/cls")
expect_ok(simulate --motifs distinct_1 --design classification --negatives with-subsets
          --out ${out} --train 300 --valid 60 --test-positives 20 --test-per-subset 4 --seed 3)
foreach(f dataset.json motifs.jaspar counts.tsv train.fasta train.truth.tsv train.labels.tsv
          train.seq.npy train.presence.npy train.labels.npy train.offsets.npy test.fasta)
  if(NOT EXISTS "${out}/${f}")
    message(FATAL_ERROR "mint simulate did not write ${f}")
  endif()
endforeach()
expect_ok(simulate --design regression --effect quadratic --out ${WORK}/reg --train 160
          --valid 32 --test-per-count 6 --device cpu --threads 2 --min-instance-score 0.6)
file(READ ${WORK}/reg/dataset.json reg_json)
if(NOT reg_json MATCHES "\"min_instance_score\": 0.6")
  message(FATAL_ERROR "dataset.json does not record min_instance_score 0.6")
endif()
expect_ok(simulate --motifs ${DATA}/../../data/motifs/MEF2A.jaspar --out ${WORK}/mef2a
          --train 60 --valid 60 --test-positives 2 --test-per-subset 1)

expect_error("unknown motif set 'nosuchset'" motifs nosuchset)
expect_error("grammar spans" simulate --out ${WORK}/x --length 60)
expect_error("--effect: unknown effect 'cubic'" simulate --out ${WORK}/x --design regression
             --effect cubic)
expect_error("--train 10 is too small" simulate --out ${WORK}/x --train 10)
expect_error("--gc: 1.5 must be in [0, 1]" simulate --out ${WORK}/x --gc 1.5)
expect_error("--min-instance-score: 2 must be in [0, 1]" simulate --out ${WORK}/x
             --min-instance-score 2)
expect_error("of CREB1 draws reach it" simulate --out ${WORK}/x --min-instance-score 1)
expect_error("--device: unknown device" simulate --out ${WORK}/x --device tpu)
expect_error("--out is required" simulate)
expect_error("--train" simulate --out ${WORK}/x --train lots)
expect_error("not longer than the filter width" simulate --out ${WORK}/x --gaps 3,20,20)
file(WRITE "${WORK}/bad.jaspar" ">M1 X\nA [ 1 2 ]\nC [ 1 2 ]\nG [ 1 ]\nT [ 1 2 ]\n")
expect_error("bad.jaspar:4:" motifs ${WORK}/bad.jaspar)

# train → evaluate → predict on a small data set; a PyTorch-written fixture model predicts.
expect_ok(simulate --out ${WORK}/wo --negatives without --train 400 --valid 100
          --test-positives 40 --test-per-subset 4 --length 120)
expect_ok(train --data ${WORK}/wo --out ${WORK}/models --seeds 2 --epochs 2 --filters 4
          --quiet --device cpu)
foreach(f model_f4_seed1.safetensors model_f4_seed2.safetensors model_f4_seed1.log.tsv)
  if(NOT EXISTS "${WORK}/models/${f}")
    message(FATAL_ERROR "mint train did not write ${f}")
  endif()
endforeach()
expect_ok(train --data ${WORK}/wo --out ${WORK}/models --seeds 2 --epochs 2 --filters 4 --quiet)
string(FIND "${LAST_OUT}" "skipped" at)
if(at EQUAL -1)
  message(FATAL_ERROR "a rerun of mint train did not skip the finished models:\n${LAST_OUT}")
endif()
expect_ok(evaluate --model ${WORK}/models/model_f4_seed1.safetensors
          --model ${WORK}/models/model_f4_seed2.safetensors --data ${WORK}/wo --out ${WORK}/eval)
foreach(word "Table 2" "Table 3" "CREB1+NHLH1" total)
  string(FIND "${LAST_OUT}" "${word}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mint evaluate output lacks '${word}':\n${LAST_OUT}")
  endif()
endforeach()
foreach(t accuracy_by_count accuracy_by_pair filters training)
  if(NOT EXISTS "${WORK}/eval/tables/${t}.tsv")
    message(FATAL_ERROR "mint evaluate --out did not write tables/${t}.tsv")
  endif()
endforeach()
expect_ok(predict --model ${WORK}/models/model_f4_seed1.safetensors --data ${WORK}/wo
          --out ${WORK}/logits.npy)
expect_ok(predict --model ${DATA}/captum/small/weights.safetensors
          --data ${DATA}/captum/small/inputs.npy --out ${WORK}/fixture_logits.npy)
expect_error("expects L = 60" predict --model ${DATA}/captum/small/weights.safetensors
             --data ${WORK}/wo --out ${WORK}/x.npy)
expect_error("not a mint data set" train --data ${WORK}/nothing --out ${WORK}/m2)
expect_error("evaluate needs a mint data set" evaluate
             --model ${DATA}/captum/small/weights.safetensors --data ${DATA}/captum/small/inputs.npy)
expect_error("--padding: unknown padding" train --data ${WORK}/wo --out ${WORK}/m3 --padding full)
expect_ok(auprc --labels ${DATA}/auprc/worked_example/labels.npy
          --scores ${DATA}/auprc/worked_example/scores.npy)
expect_ok(auprc --per-row --labels ${DATA}/auprc/per_sequence_10x250/labels.npy
          --scores ${DATA}/auprc/per_sequence_10x250/scores.npy
          --include ${DATA}/auprc/per_sequence_10x250/include.npy)
expect_error("has shape" auprc --labels ${DATA}/auprc/worked_example/labels.npy
             --scores ${DATA}/auprc/ties_small/scores.npy)

# attribute → score on the small data set; bad attribution files fail with one line.
expect_ok(attribute --model ${WORK}/models/model_f4_seed1.safetensors --data ${WORK}/wo
          --method ig --steps 8 --out ${WORK}/ig.npy)
expect_ok(score --data ${WORK}/wo --attr M1:ig=${WORK}/ig.npy --out ${WORK}/scores
          --bootstrap 50)
foreach(word CREB1 TEAD1 "#motifs" "ig M1")
  string(FIND "${LAST_OUT}" "${word}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mint score output lacks '${word}':\n${LAST_OUT}")
  endif()
endforeach()
foreach(f auprc.tsv auprc_summary.tsv)
  if(NOT EXISTS "${WORK}/scores/tables/${f}")
    message(FATAL_ERROR "mint score did not write tables/${f}")
  endif()
endforeach()
expect_error("attributions have shape (8, 4, 60)" score --data ${WORK}/wo
             --attr ${DATA}/captum/small/gradient.npy --out ${WORK}/x)
expect_error("needs a mint data set" score --data ${DATA}/captum/small/inputs.npy
             --attr ${WORK}/ig.npy --out ${WORK}/x)
expect_error("--metric" score --data ${WORK}/wo --attr ${WORK}/ig.npy --out ${WORK}/x
             --metric f1)
# Names and paths the result tables cannot hold, empty values, a directory with no results.
expect_error("--name: the name may not contain tabs" evaluate
             --model ${WORK}/models/model_f4_seed1.safetensors --data ${WORK}/wo --out ${WORK}/r
             --name "a\tb")
expect_error("--set: the name may not contain tabs" score --data ${WORK}/wo
             --attr M1:ig=${WORK}/ig.npy --out ${WORK}/r --set "a\nb")
expect_error("predictions must have shape (100,)" score --data ${WORK}/wo
             --attr M1:ig=${WORK}/ig.npy --predictions M1=${WORK}/ig.npy --out ${WORK}/r)
expect_error("so it would have no positives" score --data ${WORK}/wo
             --attr M1:ig=${WORK}/ig.npy --positives ic --ic-threshold 5 --out ${WORK}/r)
expect_error("--width: -3 must be >= 1" train --data ${WORK}/wo --out ${WORK}/m4 --width -3)
file(MAKE_DIRECTORY ${WORK}/empty_dir)
expect_error("no tables/ and no config.json" report ${WORK}/empty_dir)

# Every method on a PyTorch-written fixture model (parity is in test_attribution,
# test_deeplift and test_perturbation); ensembles, replayed permutations, errors.
set(small ${DATA}/captum/small)
foreach(method grad saliency ixg ig deeplift ism fp)
  expect_ok(attribute --model ${small}/weights.safetensors --data ${small}/inputs.npy
            --pool-width 4 --method ${method} --out ${WORK}/small_${method}.npy)
endforeach()
expect_ok(attribute --model ${small}/weights.safetensors --model ${small}/weights.safetensors
          --data ${small}/inputs.npy --pool-width 4 --method deeplift --target prob
          --deeplift-compat captum-0.8 --out ${WORK}/small_ens.npy)
string(FIND "${LAST_OUT}" "2 models averaged" at)
if(at EQUAL -1)
  message(FATAL_ERROR "mint attribute with two models did not average:\n${LAST_OUT}")
endif()
expect_ok(attribute --model ${small}/weights.safetensors --data ${small}/inputs.npy
          --pool-width 4 --method fp --permutations ${small}/fp_perms.npy
          --save-permutations ${WORK}/perms.npy --out ${WORK}/small_fp_replay.npy)
expect_error("--permutations applies to --method fp only" attribute
             --model ${small}/weights.safetensors --data ${small}/inputs.npy --pool-width 4
             --method ism --permutations ${small}/fp_perms.npy --out ${WORK}/x.npy)
expect_error("captum-0.8" attribute --model ${small}/weights.safetensors
             --data ${small}/inputs.npy --pool-width 4 --method deeplift
             --deeplift-compat captum-0.7 --out ${WORK}/x.npy)
expect_error("--target" attribute --model ${small}/weights.safetensors
             --data ${small}/inputs.npy --pool-width 4 --method ig --target softmax
             --out ${WORK}/x.npy)
expect_error("--batch-size: 1 must be in [2, 1048576]" attribute --model ${small}/weights.safetensors
             --data ${small}/inputs.npy --pool-width 4 --method fp --batch-size 1
             --out ${WORK}/x.npy)
expect_error("expects L = 60" attribute --model ${small}/weights.safetensors
             --data ${WORK}/wo --pool-width 4 --method grad --out ${WORK}/x.npy)

# mint experiment / merge: a tiny run, a rerun that skips every step, two shards + merge, and
# the one-line errors (tests/test_experiment.cpp checks the tables themselves).
set(exp_tiny --filters 4 --seeds 1 --effects additive --length 100 --train 300 --valid 60
    --test-positives 20 --test-per-subset 4 --regression-train 300 --regression-valid 60
    --test-per-count 6 --epochs 1 --ig-steps 4 --fp-batch 16 --bootstrap 20 --threads 1)
file(REMOVE_RECURSE ${WORK}/exp ${WORK}/exp_s0 ${WORK}/exp_s1 ${WORK}/exp_merged)
expect_ok(experiment all --out ${WORK}/exp ${exp_tiny})
foreach(table accuracy_by_count accuracy_by_pair regression_binned auprc auprc_summary
        auprc_differences filters training)
  if(NOT EXISTS ${WORK}/exp/tables/${table}.tsv)
    message(FATAL_ERROR "mint experiment: no tables/${table}.tsv")
  endif()
endforeach()
expect_ok(experiment all --out ${WORK}/exp ${exp_tiny})
string(FIND "${LAST_OUT}" ": 0 of " at)
if(at EQUAL -1)
  message(FATAL_ERROR "mint experiment rerun did not skip every step:\n${LAST_OUT}")
endif()
string(REPLACE "--epochs;1" "--epochs;2" exp_tiny_epochs2 "${exp_tiny}")
expect_error("key 'epochs'" experiment all --out ${WORK}/exp ${exp_tiny_epochs2})
expect_error("unknown method 'lime'" experiment negatives --out ${WORK}/x ${exp_tiny} --methods lime)
expect_error("--shard must be i/N" experiment negatives --out ${WORK}/x ${exp_tiny} --shard 2/2)
file(WRITE ${WORK}/exp_bad.json "{\"epoch\": 3}")
expect_error("unknown key 'epoch'" experiment negatives --out ${WORK}/x --config ${WORK}/exp_bad.json)
expect_ok(experiment all --out ${WORK}/exp_s0 ${exp_tiny} --shard 0/2)
expect_ok(experiment all --out ${WORK}/exp_s1 ${exp_tiny} --shard 1/2)
expect_ok(merge --out ${WORK}/exp_merged ${WORK}/exp_s0 ${WORK}/exp_s1)
file(READ ${WORK}/exp/tables/auprc_summary.tsv single)
file(READ ${WORK}/exp_merged/tables/auprc_summary.tsv merged)
if(NOT single STREQUAL merged)
  message(FATAL_ERROR "mint merge: auprc_summary.tsv differs from the single run")
endif()
expect_error("no config.json" merge --out ${WORK}/exp_m2 ${WORK}/nothing_here)
