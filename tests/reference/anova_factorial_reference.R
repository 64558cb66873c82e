# Independent R reference for the Type III ANOVA of every design: between factors (any number)
# crossed with one within factor (the waves), the single arm (waves only) and between only.
#
# Usage (from the repository root):
#   Rscript tests/reference/anova_factorial_reference.R --make-obk
#       writes tests/reference/anova_set_obk.csv from afex's obk.long (O'Brien & Kaiser 1985):
#       16 participants, treatment (control 5, A 4, B 7) x gender (F 7, M 9), unbalanced, each
#       participant's mean over the five hours of each phase, waves in time order pre, post, fup.
#   Rscript tests/reference/anova_factorial_reference.R <long.csv> <out.csv> <between> <within>
#       <long.csv>: one row per participant x wave: participant, wave, score and the between
#       factors' columns; <between>: factor columns joined by "," (or "-" for none);
#       <within>: "wave" (or "-" for a between-only design, one row per participant).
#       tests/reference/anova_factorial_R.csv was written by:
#         Rscript tests/reference/anova_factorial_reference.R tests/reference/anova_set_obk.csv \
#           tests/reference/anova_factorial_R.csv treatment,gender wave        (dataset mixed)
#       and the rows of datasets repeated (between "-") and between (pre wave only, within "-")
#       appended by the same script with --append <dataset> (see the end of this file).
#
# Output: dataset, effect, statistic, value (%.17g). Which R function gives which number:
#   afex::aov_ez(id = "participant", dv = "score", data, between, within, type = 3,
#                anova_table = list(es = c("pes", "ges"), correction = "none"))   (afex 1.2-1)
#     -> df1 ("num Df"), df2 ("den Df"), F, p ("Pr(>F)"), pes, ges;
#        MSE * df2 -> SS_error, F * MSE * df1 -> SS
#   summary(fit$Anova, multivariate = FALSE)   (car 3.1-1, with 3+ waves)
#     $pval.adjustments -> eps_gg, eps_hf; $sphericity.tests -> mauchly_w, mauchly_p
#   Effect names are afex's with the within factor renamed "time", as the pipeline names it.
#   Single arm only (no between factor), effects "pair|<later> - <earlier>":
#   t.test(later, earlier, paired = TRUE) -> t, df, p;
#   effectsize::cohens_d(later, earlier, paired = TRUE) -> d_z, d_z_ci_low, d_z_ci_high (95%)

suppressPackageStartupMessages(library(afex))

args <- commandArgs(trailingOnly = TRUE)
here <- "tests/reference"

if (length(args) >= 1 && args[1] == "--make-obk") {
  data(obk.long, package = "afex")
  means <- aggregate(value ~ id + treatment + gender + phase, data = obk.long, FUN = mean)
  names(means) <- c("participant", "treatment", "gender", "wave", "score")
  means$wave <- factor(means$wave, levels = c("pre", "post", "fup"))
  means <- means[order(as.integer(as.character(means$participant)), means$wave), ]
  write.csv(means, file.path(here, "anova_set_obk.csv"), row.names = FALSE, quote = FALSE)
  quit(save = "no")
}

append <- length(args) >= 6 && args[5] == "--append"
dataset <- if (append) args[6] else "mixed"
data <- read.csv(args[1], colClasses = "character")
data$score <- as.numeric(data$score)
between <- if (args[3] == "-") NULL else strsplit(args[3], ",")[[1]]
within <- if (args[4] == "-") NULL else args[4]
if (!is.null(within)) {
  data$wave <- factor(data$wave, levels = unique(data$wave))
}
for (factor_name in between) data[[factor_name]] <- factor(data[[factor_name]])

fit <- aov_ez(id = "participant", dv = "score", data = data, between = between, within = within,
              type = 3, anova_table = list(es = c("pes", "ges"), correction = "none"))
table <- fit$anova_table
effects <- gsub("wave", "time", rownames(table))
rows <- list()
add <- function(effect, statistic, value) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, effect = effect, statistic = statistic,
                                          value = sprintf("%.17g", value))
}
for (i in seq_len(nrow(table))) {
  e <- effects[i]
  df1 <- table[i, "num Df"]; df2 <- table[i, "den Df"]; mse <- table[i, "MSE"]; F <- table[i, "F"]
  add(e, "df1", df1); add(e, "df2", df2); add(e, "F", F); add(e, "p", table[i, "Pr(>F)"])
  add(e, "pes", table[i, "pes"]); add(e, "ges", table[i, "ges"])
  add(e, "SS_error", mse * df2); add(e, "SS", F * mse * df1)
}
if (!is.null(within) && nlevels(data$wave) >= 3) {
  uni <- summary(fit$Anova, multivariate = FALSE)
  adj <- uni$pval.adjustments
  sph <- uni$sphericity.tests
  for (r in rownames(adj)) {
    e <- gsub("wave", "time", r)
    add(e, "eps_gg", adj[r, "GG eps"]); add(e, "eps_hf", adj[r, "HF eps"])
    add(e, "mauchly_w", sph[r, "Test statistic"]); add(e, "mauchly_p", sph[r, "p-value"])
  }
}
if (!is.null(within) && is.null(between)) {
  # single arm: paired comparisons of the waves (consecutive, then baseline vs each later wave)
  # t.test(paired = TRUE) -> t, df, p; effectsize::cohens_d(paired = TRUE) (effectsize 0.8.3,
  # optimiser bounds, good to about 1e-6) -> d_z with its 95% CI
  suppressPackageStartupMessages(library(effectsize))
  wide <- reshape(data[, c("participant", "wave", "score")], idvar = "participant",
                  timevar = "wave", direction = "wide")
  waves <- levels(data$wave)
  pairs <- c(lapply(seq_len(length(waves) - 1), function(j) c(j, j + 1)),
             lapply(seq_len(max(0, length(waves) - 2)) + 2, function(j) c(1, j)))
  for (pair in pairs) {
    earlier <- wide[[paste0("score.", waves[pair[1]])]]; later <- wide[[paste0("score.", waves[pair[2]])]]
    e <- paste0("pair|", waves[pair[2]], " - ", waves[pair[1]])
    test <- t.test(later, earlier, paired = TRUE)
    d <- cohens_d(later, earlier, paired = TRUE, ci = 0.95)
    add(e, "t", test$statistic); add(e, "df", test$parameter); add(e, "p", test$p.value)
    add(e, "d_z", d$Cohens_d); add(e, "d_z_ci_low", d$CI_low); add(e, "d_z_ci_high", d$CI_high)
  }
}
out <- do.call(rbind, rows)
write.table(out, args[2], sep = ",", row.names = FALSE, quote = FALSE, append = append,
            col.names = !append)

# The committed tests/reference/anova_factorial_R.csv, in full:
#   Rscript tests/reference/anova_factorial_reference.R --make-obk
#   Rscript tests/reference/anova_factorial_reference.R tests/reference/anova_set_obk.csv \
#     tests/reference/anova_factorial_R.csv treatment,gender wave
#   Rscript tests/reference/anova_factorial_reference.R tests/reference/anova_set_obk.csv \
#     tests/reference/anova_factorial_R.csv - wave --append repeated
#   grep -e '^participant' -e ',pre,' tests/reference/anova_set_obk.csv > /tmp/obk_pre.csv
#   Rscript tests/reference/anova_factorial_reference.R /tmp/obk_pre.csv \
#     tests/reference/anova_factorial_R.csv treatment,gender - --append between
