# The standalone commands take the experiment's path (run by ctest as `cmake -P`): on the data
# of a tiny `mint experiment negatives`, `mint train`, `evaluate`, `attribute` and `score` —
# with the experiment's settings — write the same models and the same tables, byte for byte,
# and `mint report` draws a page from the directory they made.
# Inputs: MINT (the binary), WORK (a scratch directory).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(exp ${WORK}/exp)
expect_ok(experiment negatives --out ${exp} --filters 4 --seeds 2 --length 100 --train 300
    --valid 60 --test-positives 20 --test-per-subset 4 --epochs 2 --ig-steps 4 --fp-batch 16
    --bootstrap 20 --threads 1 --device cpu --quiet)

# Train: the experiment's M_w and M_wo, by mint train, on the experiment's data.
set(data ${exp}/distinct_1)
foreach(m w wo)
  expect_ok(train --data ${data}/data_${m} --out ${WORK}/models --name M_${m} --filters 4 --seeds 2
      --epochs 2 --pool-width global --threads 1 --device cpu --quiet)
  foreach(seed 1 2)
    same_file(${WORK}/models/M_${m}_f4_seed${seed}.safetensors
              ${data}/models/M_${m}_f4_seed${seed}.safetensors "mint train vs the experiment")
  endforeach()
endforeach()

# Evaluate, attribute and score both models on data_w's test split into one results directory.
set(res ${WORK}/results)
foreach(m w wo)
  set(models --model ${WORK}/models/M_${m}_f4_seed1.safetensors
             --model ${WORK}/models/M_${m}_f4_seed2.safetensors)
  expect_ok(evaluate ${models} --data ${data}/data_w --out ${res} --device cpu --threads 1)
  expect_ok(attribute ${models} --data ${data}/data_w --method ig --steps 4 --out ${WORK}/M_${m}_ig.npy
      --device cpu)
  expect_ok(attribute ${models} --data ${data}/data_w --method deeplift --out ${WORK}/M_${m}_dl.npy
      --device cpu)
  expect_ok(attribute ${models} --data ${data}/data_w --method fp --batch-size 16
      --out ${WORK}/M_${m}_fp.npy --device cpu)
  same_file(${WORK}/M_${m}_ig.npy ${data}/attr/M_${m}_f4_ig.npy "mint attribute --method ig")
  same_file(${WORK}/M_${m}_dl.npy ${data}/attr/M_${m}_f4_deeplift.npy
            "mint attribute --method deeplift")
  same_file(${WORK}/M_${m}_fp.npy ${data}/attr/M_${m}_f4_fp.npy "mint attribute --method fp")
endforeach()
expect_ok(score --data ${data}/data_w --filters 4 --bootstrap 20 --compare M_w,M_wo
    --attr M_w:ig=${WORK}/M_w_ig.npy --attr M_wo:ig=${WORK}/M_wo_ig.npy
    --attr M_w:deeplift=${WORK}/M_w_dl.npy --attr M_wo:deeplift=${WORK}/M_wo_dl.npy
    --attr M_w:fp=${WORK}/M_w_fp.npy --attr M_wo:fp=${WORK}/M_wo_fp.npy --out ${res})
foreach(t accuracy_by_count accuracy_by_pair filters training auprc auprc_summary
          auprc_differences)
  same_file(${res}/tables/${t}.tsv ${exp}/tables/${t}.tsv "tables/${t}.tsv")
endforeach()

# A second evaluate of the same model replaces its rows instead of adding them.
expect_ok(evaluate --model ${WORK}/models/M_w_f4_seed1.safetensors
    --model ${WORK}/models/M_w_f4_seed2.safetensors --data ${data}/data_w --out ${res})
same_file(${res}/tables/accuracy_by_count.tsv ${exp}/tables/accuracy_by_count.tsv
          "a repeated mint evaluate")

# The report of the standalone directory: every section of the negatives experiment is drawn.
expect_ok(report ${res})
file(READ ${res}/report.html html)
foreach(needle "Accuracy by number of motifs present" "Accuracy per motif pair"
        "First-layer filters" "Motif detection: AUPRC" "<svg" "Table 5")
  string(FIND "${html}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mint report on the standalone results lacks '${needle}'")
  endif()
endforeach()
foreach(needle "is missing: accuracy" "is missing: AUPRC" "has no rows")
  string(FIND "${html}" "${needle}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "mint report on the standalone results says '${needle}'")
  endif()
endforeach()
