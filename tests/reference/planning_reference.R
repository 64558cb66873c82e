# Independent R reference for the pipeline's sample-size planning (wellbeing.planning), from the
# raw data: effectsize computes d and its interval, pwr the power and the n.
#
# Usage (from the repository root):
#   Rscript tests/reference/planning_reference.R tests/reference/anova_set_unbalanced.csv \
#       tests/reference/planning_R.csv [<reference> <other>]
#   <anova set>: participant, group, wave (pre, post), score; <reference> and <other> name its
#   two groups (default control, trained); the paired case is the reference group alone.
#
# Output: test, statistic, value (%.17g):
#   two_sample: d, d_ci_low, d_ci_high from effectsize::cohens_d(other change, reference change,
#     ci = 0.95) (pooled SD); n from pwr::pwr.t.test(d = d, power = 0.8, sig.level = 0.05)
#     (uniroot's tolerance: about 1e-4 in n); power_at_n: pwr.t.test(n = 50, d = d)$power (exact).
#   paired: the same for effectsize::cohens_d(post - pre) (d_z) and type = "paired".

suppressPackageStartupMessages({library(effectsize); library(pwr)})

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) %in% c(2, 4))
reference <- if (length(args) == 4) args[3] else "control"
other <- if (length(args) == 4) args[4] else "trained"
long <- read.csv(args[1], colClasses = c(participant = "character", group = "character",
                                           wave = "character"))
wide <- reshape(long, idvar = c("participant", "group"), timevar = "wave", direction = "wide")
wide <- wide[complete.cases(wide), ]
wide$change <- wide$score.post - wide$score.pre

rows <- list()
add <- function(test, statistic, value) {
  rows[[length(rows) + 1]] <<- data.frame(test = test, statistic = statistic,
                                            value = sprintf("%.17g", value))
}
record <- function(test, d, type) {
  add(test, "d", d$Cohens_d)
  add(test, "d_ci_low", d$CI_low)
  add(test, "d_ci_high", d$CI_high)
  add(test, "n", pwr.t.test(d = d$Cohens_d, power = 0.8, sig.level = 0.05, type = type)$n)
  add(test, "power_at_n", pwr.t.test(n = 50, d = d$Cohens_d, sig.level = 0.05, type = type)$power)
}
record("two_sample", cohens_d(wide$change[wide$group == other], wide$change[wide$group == reference],
                              ci = 0.95), "two.sample")
arm <- wide[wide$group == reference, ]
record("paired", cohens_d(arm$score.post - arm$score.pre, ci = 0.95), "paired")
write.csv(do.call(rbind, rows), args[2], row.names = FALSE, quote = TRUE)
