# Independent R reference for the confidence interval of partial eta squared, from R's own F and
# degrees of freedom (not the pipeline's): effectsize's bounds, and the same bounds found by an
# exact inversion of R's noncentral F distribution.
#
# Usage (from the repository root):
#   Rscript tests/reference/pes_ci_reference.R <R output.csv> <out.csv> [<ci level>]
#       <R output.csv>: the output of tests/reference/anova_factorial_reference.R (dataset,
#       effect, statistic, value; "pair|" rows are skipped) or of
#       tests/reference/ancova_reference.R (dataset, table, key, statistic, value; its "ancova"
#       rows, the key is the term). The F, df1 and df2 of every effect or term are used.
#       <ci level>: default 0.9, the pipeline's default ci_level.
#
# Output: dataset, effect, statistic, value (%.17g; effect = the term for ANCOVA input):
#   pes_ci_low, pes_ci_high:
#     effectsize::F_to_eta2(F, df1, df2, ci = <level>, alternative = "two.sided")
#       -> CI_low, CI_high   (effectsize 0.8.3). effectsize finds the noncentrality parameters
#     with stats::optim, so its bounds are good to about 1e-5 relative, sometimes worse.
#   pes_ci_low_exact, pes_ci_high_exact: the noncentrality lambda with
#     stats::pf(F, df1, df2, ncp = lambda) = (1 + level) / 2 (low) and (1 - level) / 2 (high),
#     found by stats::uniroot (tol 1e-14), converted as effectsize does, lambda / (lambda + df2);
#     a bound is 0 when pf(F, df1, df2) (lambda = 0) is already at or below its target
#     (Steiger 2004, Psychological Methods 9, 164-182).

suppressPackageStartupMessages(library(effectsize))

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) >= 2)
level <- if (length(args) >= 3) as.numeric(args[3]) else 0.9
table <- read.csv(args[1], colClasses = "character")
if ("key" %in% names(table)) {
  table <- table[table$table == "ancova", ]
  table$effect <- table$key
}
table <- table[!startsWith(table$effect, "pair|"), ]

exact_bound <- function(F, df1, df2, target) {
  if (pf(F, df1, df2) <= target) return(0)
  upper <- max(10, 2 * F * df1)
  while (pf(F, df1, df2, ncp = upper) > target) upper <- 2 * upper
  ncp <- uniroot(function(l) pf(F, df1, df2, ncp = l) - target, c(0, upper), tol = 1e-14)$root
  ncp / (ncp + df2)
}

rows <- list()
for (key in unique(paste(table$dataset, table$effect, sep = "\r"))) {
  parts <- strsplit(key, "\r")[[1]]
  block <- table[table$dataset == parts[1] & table$effect == parts[2], ]
  get <- function(statistic) as.numeric(block$value[block$statistic == statistic])
  F <- get("F"); df1 <- get("df1"); df2 <- get("df2")
  ci <- F_to_eta2(F, df1, df2, ci = level, alternative = "two.sided")
  exact <- c(exact_bound(F, df1, df2, (1 + level) / 2), exact_bound(F, df1, df2, (1 - level) / 2))
  rows[[length(rows) + 1]] <- data.frame(
    dataset = parts[1], effect = parts[2],
    statistic = c("pes_ci_low", "pes_ci_high", "pes_ci_low_exact", "pes_ci_high_exact"),
    value = sprintf("%.17g", c(ci$CI_low, ci$CI_high, exact)))
}
write.table(do.call(rbind, rows), args[2], sep = ",", row.names = FALSE, quote = FALSE)
