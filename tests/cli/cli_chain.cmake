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
file_has(${res}/report.html "Accuracy by number of motifs present" "Accuracy per motif pair"
        "First-layer filters" "Motif detection: AUPRC" "<svg" "Table 5")
file_lacks(${res}/report.html "is missing: accuracy" "is missing: AUPRC" "has no rows")

# --compare in the other order prints B − A but stores the table in the report's order (M_w
# first); a new score of one model drops the Δ rows it made stale.
set(res2 ${WORK}/results_reversed)
expect_ok(score --data ${data}/data_w --filters 4 --bootstrap 20 --compare M_wo,M_w
    --attr M_w:ig=${WORK}/M_w_ig.npy --attr M_wo:ig=${WORK}/M_wo_ig.npy
    --attr M_w:deeplift=${WORK}/M_w_dl.npy --attr M_wo:deeplift=${WORK}/M_wo_dl.npy
    --attr M_w:fp=${WORK}/M_w_fp.npy --attr M_wo:fp=${WORK}/M_wo_fp.npy --out ${res2})
same_file(${res2}/tables/auprc_differences.tsv ${exp}/tables/auprc_differences.tsv
          "mint score --compare M_wo,M_w")
expect_ok(score --data ${data}/data_w --bootstrap 20 --attr M_w:ig=${WORK}/M_w_ig.npy
          --out ${res2})
string(FIND "${LAST_OUT}" "(set distinct_1, 4 filters)" at)
if(at EQUAL -1)
  message(FATAL_ERROR "mint score did not take F = 4 from the results' tables:\n${LAST_OUT}")
endif()
file(READ ${res2}/tables/auprc_differences.tsv diffs)
string(FIND "${diffs}" "\tig\t" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "a new score of M_w alone kept the stale ig Δ rows:\n${diffs}")
endif()

# Regression: an effect's model by the standalone commands, its predictions (mint predict)
# giving the absolute error beside each AUPRC, so the report draws Fig. 3B.
set(expr ${WORK}/exp_reg)
expect_ok(experiment interactions --out ${expr} --effects additive --filters 4 --seeds 2
    --length 100 --regression-train 300 --regression-valid 60 --test-per-count 6 --epochs 2
    --ig-steps 4 --methods ig --bootstrap 20 --threads 1 --device cpu --quiet)
set(add ${expr}/distinct_1/data_additive)
set(resr ${WORK}/results_reg)
expect_ok(train --data ${add} --out ${WORK}/models --name additive --filters 4 --seeds 2
    --epochs 2 --pool-width global --threads 1 --device cpu --quiet)
set(models --model ${WORK}/models/additive_f4_seed1.safetensors
           --model ${WORK}/models/additive_f4_seed2.safetensors)
expect_ok(evaluate ${models} --data ${add} --out ${resr} --threads 1)
expect_ok(predict ${models} --data ${add} --out ${WORK}/additive_pred.npy)
expect_ok(attribute ${models} --data ${add} --method ig --steps 4 --out ${WORK}/additive_ig.npy)
expect_ok(score --data ${add} --bootstrap 20 --attr additive:ig=${WORK}/additive_ig.npy
    --predictions additive=${WORK}/additive_pred.npy --out ${resr})
foreach(t regression_binned filters training auprc_summary)
  same_file(${resr}/tables/${t}.tsv ${expr}/tables/${t}.tsv "regression tables/${t}.tsv")
endforeach()
expect_ok(report ${resr})
file_has(${resr}/report.html "Binned accuracy" "AUPRC vs absolute error" "Fig. 3B")
file_lacks(${resr}/report.html "has no rows" "<code>tables/" "Negatives experiment: M")
