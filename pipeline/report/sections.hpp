// The report's sections, per motif set and number of filters F, in the order the page shows
// them. Each appends its heading, figures and tables to pg.html, or a note when its table is
// missing or has no rows for (set, F).
//
//   sections_negatives.cpp     accuracy (Table 2, Fig. 2B), pairs (Table 3), filter logos
//                              (Fig. 2C), AUPRC of the classifiers (Figs. 2D, 5, 6; Tables 4, 5)
//   sections_interactions.cpp  binned accuracy (Tables 6, 7), AUPRC per effect (Fig. 3A),
//                              AUPRC vs absolute error (Fig. 3B)
//   sections_stream.cpp        the large-sample stream (`mint stream`): the median's CI width
//                              against N, the binned pooled AUPRC and its bound
//   report.cpp                 training summaries, and the page around the sections
#pragma once

#include <string>

#include "pipeline/report/page.hpp"

namespace mint::report {

void accuracy_section(Page& pg, const std::string& set, long F);
void pair_section(Page& pg, const std::string& set, long F);
// The classifiers' filters (classification) or the regression models'.
void filters_section(Page& pg, const std::string& set, long F, bool classification);
void auprc_classification_section(Page& pg, const std::string& set, long F);

void regression_accuracy_section(Page& pg, const std::string& set, long F);
void auprc_regression_section(Page& pg, const std::string& set, long F);
void scatter_section(Page& pg, const std::string& set, long F);

// Whether <metric>_convergence (auprc) or pooled_bounds has rows for (set, F); the section is
// shown only then, headed with the anchor `id`.
bool has_stream_rows(const Page& pg, const std::string& set, long F);
void stream_section(Page& pg, const std::string& set, long F, const std::string& id);

}  // namespace mint::report
