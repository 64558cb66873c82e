# Independent R reference for the pipeline's Bayes factors (wellbeing.bayes), from the raw data:
# BayesFactor computes its own t and r.
#
# Usage (from the repository root):
#   Rscript tests/reference/bayes_reference.R tests/reference/anova_set_unbalanced.csv \
#       tests/reference/correlations_input.csv tests/reference/bayes_R.csv [<reference> <other>]
#   <anova set>: participant, group, wave (pre, post), score; <reference> and <other> name its two
#   groups (default control, trained); the single arm is the reference group.
#   <correlations input>: "-" leaves the correlations out.
#
# Output: test, statistic, value (%.17g):
#   interaction: ttestBF(x = change of trained, y = change of control), rscale "medium"
#     (sqrt(2)/2): the group x time interaction of a 2 x 2 design as the two-sample t test of the
#     change scores (post - pre), participants with both waves;
#   single_arm: ttestBF(x = post, y = pre, paired = TRUE), rscale "medium", the control group's
#     participants with both waves;
#   correlation|<a>|<b>: correlationBF(<a>, <b>, rscale = 1) on the complete pairs of two columns
#     of correlations_input.csv at its first wave (a stretched beta prior of width 1: uniform on
#     rho, JASP's default); pairs with fewer than three complete rows are left out.
# Each with its n (participants or pairs) and t or r.

suppressPackageStartupMessages(library(BayesFactor))

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) %in% c(3, 5))
reference <- if (length(args) == 5) args[4] else "control"
other <- if (length(args) == 5) args[5] else "trained"
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

trained <- wide$change[wide$group == other]
control <- wide$change[wide$group == reference]
bf <- extractBF(ttestBF(x = trained, y = control, rscale = "medium"))$bf
add("interaction", "bf10", bf)
add("interaction", "n1", length(control))
add("interaction", "n2", length(trained))
add("interaction", "t", t.test(trained, control, var.equal = TRUE)$statistic)

arm <- wide[wide$group == reference, ]
bf <- extractBF(ttestBF(x = arm$score.post, y = arm$score.pre, paired = TRUE, rscale = "medium"))$bf
add("single_arm", "bf10", bf)
add("single_arm", "n", nrow(arm))
add("single_arm", "t", t.test(arm$score.post, arm$score.pre, paired = TRUE)$statistic)

data <- if (args[2] == "-") data.frame() else read.csv(args[2])
if (nrow(data)) data <- data[data$wave == data$wave[1], ]   # the first wave: one row per participant
columns <- if (nrow(data)) names(data)[sapply(data, is.numeric)] else character(0)
for (i in seq_along(columns)) {
  for (j in seq_along(columns)) {
    if (j <= i) next
    a <- columns[i]
    b <- columns[j]
    keep <- complete.cases(data[[a]], data[[b]])
    if (sum(keep) < 3) next   # correlationBF needs three pairs
    bf <- extractBF(correlationBF(data[[a]][keep], data[[b]][keep], rscale = 1))$bf
    name <- paste("correlation", a, b, sep = "|")
    add(name, "bf10", bf)
    add(name, "n", sum(keep))
    add(name, "r", cor(data[[a]][keep], data[[b]][keep]))
  }
}
write.csv(do.call(rbind, rows), args[3], row.names = FALSE, quote = TRUE)
