# Reference values for the reliability stage, from R's psych.
#
# Usage:  Rscript tests/reference/reliability_reference.R <dir> <out.csv>
#
# <dir> holds reliability_groups.csv (set, item, group: the declared subscales, blank when the
# set has none) and one reliability_set_<set>.csv per item set (respondents x items, "NA" =
# unanswered; written by tests/test_reliability.py with a fixed seed). <out.csv> gets one row per
# value, in long form:  set, missing, item, statistic, value  (item blank for a scale-level
# value; values printed with %.17g so that they read back to the same doubles).
#
# Which psych function gives which number (psych 2.2.9, GPArotation 2022.10-2, R 4.2.2):
#
#   rows         listwise: complete rows only ("listwise" means dropping incomplete rows before
#                the call); pairwise: every row with at least one item answered. psych's n for
#                the SE and the Feldt CI is the number of rows passed (nsub).
#   alpha        psych::alpha(x, warnings = FALSE)  (use = "pairwise", check.keys = FALSE; items
#                with zero variance are deleted by psych itself, delete = TRUE)
#                  $total$raw_alpha, $total$std.alpha, $total$average_r, $total$ase
#                  $feldt$lower.ci, $feldt$upper.ci                    (psych::alpha.ci)
#                  Duhachek: raw_alpha -/+ 1.96 * ase, as print.psych writes it
#                  $item.stats: r.drop, raw.r, mean, sd, n; $alpha.drop: raw_alpha, std.alpha
#   omega_total  psych::omega(x, nfactors = 1, fm = "minres")$omega.tot  (needs >= 3 items and
#                more rows than items; zero-variance items dropped first, as the library does)
#   omega_h,     psych::omega(x, nfactors = k, fm = "minres")$omega_h and $omega.tot, k the
#   omega_total_sl   number of declared subscales, psych's default rotation (oblimin, from
#                GPArotation, after varimax) and Schmid-Leiman transformation (psych::schmid;
#                k = 2 uses psych's option = "equal").
#
# Two-item sets: psych's alpha.drop for two items is cov/var, not an alpha; it is written here
# but the library leaves it undefined (the test allows that one difference).

suppressPackageStartupMessages(library(psych))
if (!requireNamespace("GPArotation", quietly = TRUE)) {
  stop("psych::omega needs the R package GPArotation (Debian: r-cran-gparotation)")
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript reliability_reference.R <dir> <out.csv>")
dir <- args[1]
out_path <- args[2]

groups <- read.csv(file.path(dir, "reliability_groups.csv"), colClasses = "character",
                   na.strings = character(0))
out <- list()
emit <- function(set, missing, item, statistic, value) {
  if (length(value) == 1 && !is.na(value)) {
    out[[length(out) + 1]] <<- data.frame(set = set, missing = missing, item = item,
                                          statistic = statistic,
                                          value = sprintf("%.17g", value))
  }
}

for (set in unique(groups$set)) {
  data <- read.csv(file.path(dir, paste0("reliability_set_", set, ".csv")), na.strings = "NA")
  declared <- groups[groups$set == set, ]
  rules <- if (anyNA(data)) c("listwise", "pairwise") else "listwise"
  for (rule in rules) {
    x <- if (rule == "listwise") data[complete.cases(data), , drop = FALSE] else
      data[rowSums(!is.na(data)) > 0, , drop = FALSE]
    emit(set, rule, "", "n", nrow(x))
    a <- suppressWarnings(psych::alpha(x, warnings = FALSE))
    emit(set, rule, "", "n_items_used", a$nvar)
    emit(set, rule, "", "alpha", a$total$raw_alpha)
    emit(set, rule, "", "alpha_std", a$total$std.alpha)
    emit(set, rule, "", "average_r", a$total$average_r)
    emit(set, rule, "", "alpha_se", a$total$ase)
    emit(set, rule, "", "alpha_ci_low", a$feldt$lower.ci)
    emit(set, rule, "", "alpha_ci_high", a$feldt$upper.ci)
    emit(set, rule, "", "duhachek_ci_low", a$total$raw_alpha - 1.96 * a$total$ase)
    emit(set, rule, "", "duhachek_ci_high", a$total$raw_alpha + 1.96 * a$total$ase)
    stats <- a$item.stats
    for (i in seq_len(nrow(stats))) {
      item <- rownames(stats)[i]
      emit(set, rule, item, "item_rest_r", stats$r.drop[i])
      emit(set, rule, item, "item_total_r", stats$raw.r[i])
      emit(set, rule, item, "mean", stats$mean[i])
      emit(set, rule, item, "sd", stats$sd[i])
      emit(set, rule, item, "item_n", stats$n[i])
      emit(set, rule, item, "alpha_if_dropped", a$alpha.drop[item, "raw_alpha"])
      emit(set, rule, item, "alpha_std_if_dropped", a$alpha.drop[item, "std.alpha"])
    }

    keep <- colnames(x)[apply(x, 2, sd, na.rm = TRUE) > 0]
    xo <- x[, keep, drop = FALSE]
    if (ncol(xo) >= 3 && nrow(xo) > ncol(xo)) {
      om1 <- suppressMessages(suppressWarnings(
        psych::omega(xo, nfactors = 1, fm = "minres", plot = FALSE)))
      emit(set, rule, "", "omega_total", om1$omega.tot)
      named <- declared[declared$item %in% keep & declared$group != "", ]
      if (nrow(named) > 0) {
        k <- length(unique(named$group))
        omk <- suppressMessages(suppressWarnings(
          psych::omega(xo, nfactors = k, fm = "minres", plot = FALSE)))
        emit(set, rule, "", "omega_h", omk$omega_h)
        emit(set, rule, "", "omega_total_sl", omk$omega.tot)
      }
    }
  }
}

result <- do.call(rbind, out)
write.csv(result, out_path, row.names = FALSE, quote = FALSE)
# the values must read back to the doubles R computed
check <- read.csv(out_path, colClasses = c("character", "character", "character", "character",
                                           "numeric"), na.strings = character(0))
stopifnot(identical(check$value, as.numeric(result$value)))
