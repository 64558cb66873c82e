# Independent R reference for the baseline-adjusted ANCOVA (Vickers & Altman 2001): the outcome
# wave regressed on the baseline wave, optional numeric covariates (additive) and the group,
# fully crossed with optional further between factors.
#
# Versions used for the committed output: R 4.2.2 Patched (2022-11-10 r83330), car 3.1-1,
# carData 3.0-5, emmeans 1.8.4-1, effectsize 0.8.3 (Debian 12 packages).
#
# Usage (from the repository root):
#   Rscript tests/reference/ancova_reference.R --make-baumann
#       writes tests/reference/ancova_set_baumann.csv from carData::Baumann (Baumann & Jones,
#       66 children, group Basal/DRTA/Strat, 22 each), made unbalanced by dropping rows
#       3, 10 (Basal), 25, 40 and 41 (DRTA) of the data frame: Basal 20, DRTA 19, Strat 22.
#       Columns participant (the row number in Baumann), group, pre (= pretest.1),
#       post (= post.test.1), pretest2 (= pretest.2).
#   Rscript tests/reference/ancova_reference.R --make-obk-wide
#       writes tests/reference/ancova_set_obk.csv from tests/reference/anova_set_obk.csv (written
#       by anova_factorial_reference.R --make-obk): one row per participant, columns
#       participant, treatment, gender, pre, fup.
#   Rscript tests/reference/ancova_reference.R <data.csv> <out.csv> <dataset> <outcome> <baseline>
#       <group> <factors> <covariates> [--append] [--levels=<level1>,<level2>,...]
#       <data.csv>: one row per participant; <outcome>, <baseline>, <group>: column names;
#       <factors>: further between-factor columns joined by "," (or "-" for none);
#       <covariates>: numeric covariate columns joined by "," (or "-" for none);
#       --append: add rows to <out.csv> without a header; --levels: the group levels in order,
#       the reference (control) first (default: R's factor() order, sorted). Further factors
#       have R's default (sorted) levels. Rows with a missing value (empty or NA) in any used
#       column are dropped (complete cases).
#
# Model: options(contrasts = c("contr.sum", "contr.poly"))
#        fit <- lm(outcome ~ baseline + cov1 + ... + group * factor1 * factor2 ..., data)
#   (internally the columns are renamed outcome, baseline, group and cov_<i> / factor_<i>, so
#   any column name works; the output uses the pipeline's names below).
#
# Output: dataset, table, key, statistic, value (value printed with %.17g; NA = not defined).
# Which R function gives which number:
#   table "ancova", key = term: "baseline", covariate column name, "group", factor column name,
#     interactions joined by ":" with group first, then the factors in the given order
#     (e.g. "group:gender"). car::Anova(fit, type = 3) without (Intercept) and Residuals:
#     SS ("Sum Sq"), df1 ("Df"), F ("F value"), p ("Pr(>F)"); df2 and SS_error from its
#     Residuals row; pes = SS / (SS + SS_error);
#     effectsize::F_to_eta2(F, df1, df2, ci = 0.9, alternative = "two.sided")
#       -> pes_ci_low (CI_low), pes_ci_high (CI_high); n = number of complete cases.
#     effectsize 0.8.3 (.get_ncp_F) finds the noncentrality parameters of the 5% and 95% points
#     with stats::optim (Nelder-Mead, abstol 1e-9), sets a bound to 0 when F <= qf(0.05 / 0.95),
#     and converts ncp to eta2 as ncp / (ncp + df2). Against an exact uniroot inversion of
#     pf(F, df1, df2, ncp) the bounds agree only to about 1e-5 relative (worst in ancova_R.csv:
#     baumann_plain baseline pes_ci_low, 1.5e-5; all others <= 8e-7).
#   table "adjusted_means", key = group level: emm <- emmeans::emmeans(fit, "group") (baseline and
#     covariates at their means, equal weights over the further factors: emmeans' defaults)
#     -> adjusted_mean (emmean), se (SE), df (df), ci_low (lower.CL), ci_high (upper.CL), 95%;
#     n = complete cases in the group.
#   table "contrasts", key = "<level> - <reference>": emmeans::contrast(emm, method = "trt.vs.ctrl",
#     ref = 1, adjust = "none") -> estimate, se (SE), df, t (t.ratio), p (p.value);
#     confint(<that>, adjust = "none") -> ci_low (lower.CL), ci_high (upper.CL), 95%.
#   table "assumptions":
#     key "slopes": anova(fit, update(fit, . ~ . + baseline:group)), its second row
#       -> F ("F"), df1 ("Df"), df2 ("Res.Df"), p ("Pr(>F)")   (homogeneity of regression slopes)
#     keys "levene_median", "levene_mean": car::leveneTest(residuals(fit) ~ cell,
#       center = median / mean), cell = interaction of group and the further factors (just group
#       without factors) -> F ("F value"), df1 ("Df"), df2 ("Df" of the residual row), p ("Pr(>F)")
#     key "shapiro_wilk": shapiro.test(residuals(fit)) -> statistic (W), p
#   table "unadjusted", key = group level: mean, sd (n - 1 denominator) and n of the outcome in
#     the complete cases.

suppressPackageStartupMessages({
  library(car)
  library(emmeans)
  library(effectsize)
})

args <- commandArgs(trailingOnly = TRUE)
here <- "tests/reference"

if (length(args) >= 1 && args[1] == "--make-baumann") {
  data(Baumann, package = "carData")
  dropped <- c(3, 10, 25, 40, 41)
  keep <- setdiff(seq_len(nrow(Baumann)), dropped)
  out <- data.frame(participant = as.character(keep),
                    group = factor(Baumann$group[keep], levels = c("Basal", "DRTA", "Strat")),
                    pre = Baumann$pretest.1[keep], post = Baumann$post.test.1[keep],
                    pretest2 = Baumann$pretest.2[keep])
  write.csv(out, file.path(here, "ancova_set_baumann.csv"), row.names = FALSE, quote = FALSE)
  quit(save = "no")
}

if (length(args) >= 1 && args[1] == "--make-obk-wide") {
  long <- read.csv(file.path(here, "anova_set_obk.csv"), colClasses = "character")
  wide <- reshape(long, idvar = c("participant", "treatment", "gender"), timevar = "wave",
                  v.names = "score", direction = "wide")
  out <- data.frame(participant = wide$participant, treatment = wide$treatment,
                    gender = wide$gender, pre = wide$score.pre, fup = wide$score.fup)
  out <- out[order(as.integer(out$participant)), ]
  write.csv(out, file.path(here, "ancova_set_obk.csv"), row.names = FALSE, quote = FALSE)
  quit(save = "no")
}

stopifnot(length(args) >= 8)
flags <- args[-(1:8)]
append <- "--append" %in% flags
levels_flag <- grep("^--levels=", flags, value = TRUE)
dataset <- args[3]
outcome_col <- args[4]; baseline_col <- args[5]; group_col <- args[6]
split <- function(x) if (x == "-") character(0) else strsplit(x, ",")[[1]]
factor_cols <- split(args[7])
covariate_cols <- split(args[8])

raw <- read.csv(args[1], colClasses = "character", check.names = FALSE)
used <- c(outcome_col, baseline_col, group_col, covariate_cols, factor_cols)
stopifnot(all(used %in% names(raw)))
missing_value <- function(x) is.na(x) | trimws(x) == "" | trimws(x) == "NA"
complete <- Reduce(`&`, lapply(used, function(col) !missing_value(raw[[col]])))
raw <- raw[complete, , drop = FALSE]

# Internal names, so that any column name is safe in formulas; display names for the output.
cov_names <- if (length(covariate_cols)) paste0("cov_", seq_along(covariate_cols)) else character(0)
fac_names <- if (length(factor_cols)) paste0("factor_", seq_along(factor_cols)) else character(0)
display <- c(baseline = "baseline", group = "group",
             setNames(covariate_cols, cov_names), setNames(factor_cols, fac_names))
data <- data.frame(outcome = as.numeric(raw[[outcome_col]]),
                   baseline = as.numeric(raw[[baseline_col]]))
for (i in seq_along(covariate_cols)) data[[cov_names[i]]] <- as.numeric(raw[[covariate_cols[i]]])
group_levels <- if (length(levels_flag)) {
  strsplit(sub("^--levels=", "", levels_flag[1]), ",")[[1]]
} else {
  levels(factor(raw[[group_col]]))
}
stopifnot(all(raw[[group_col]] %in% group_levels))
data$group <- factor(raw[[group_col]], levels = group_levels)
for (i in seq_along(factor_cols)) data[[fac_names[i]]] <- factor(raw[[factor_cols[i]]])
n <- nrow(data)

options(contrasts = c("contr.sum", "contr.poly"))
formula <- as.formula(paste("outcome ~", paste(c("baseline", cov_names,
                                                 paste(c("group", fac_names), collapse = " * ")),
                                               collapse = " + ")))
fit <- lm(formula, data = data)

rows <- list()
add <- function(table, key, values) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, table = table, key = key,
                                          statistic = names(values),
                                          value = sprintf("%.17g", unlist(values)))
}
rename_term <- function(term) paste(display[strsplit(term, ":")[[1]]], collapse = ":")

# ANCOVA table (Type III sums of squares, sum-to-zero contrasts)
a3 <- Anova(fit, type = 3)
ss_error <- a3["Residuals", "Sum Sq"]; df_error <- a3["Residuals", "Df"]
for (term in setdiff(rownames(a3), c("(Intercept)", "Residuals"))) {
  ss <- a3[term, "Sum Sq"]; df1 <- a3[term, "Df"]; F <- a3[term, "F value"]
  ci <- F_to_eta2(F, df1, df_error, ci = 0.9, alternative = "two.sided")
  add("ancova", rename_term(term),
      list(SS = ss, df1 = df1, df2 = df_error, F = F, p = a3[term, "Pr(>F)"], SS_error = ss_error,
           pes = ss / (ss + ss_error), pes_ci_low = ci$CI_low, pes_ci_high = ci$CI_high, n = n))
}

# Adjusted means and treatment-vs-control contrasts
emm <- emmeans(fit, "group")   # with further factors emmeans notes "Results may be misleading due
                               # to involvement in interactions" (on stderr; harmless)
em <- summary(emm, level = 0.95)
for (i in seq_len(nrow(em))) {
  level <- as.character(em$group[i])
  add("adjusted_means", level,
      list(adjusted_mean = em$emmean[i], se = em$SE[i], df = em$df[i], ci_low = em$lower.CL[i],
           ci_high = em$upper.CL[i], n = sum(data$group == level)))
}
con <- contrast(emm, method = "trt.vs.ctrl", ref = 1, adjust = "none")
cs <- summary(con, infer = c(FALSE, TRUE), adjust = "none")
cc <- confint(con, adjust = "none", level = 0.95)
expected_labels <- paste(group_levels[-1], "-", group_levels[1])
stopifnot(identical(as.character(cs$contrast), expected_labels),
          identical(as.character(cc$contrast), expected_labels))
for (i in seq_len(nrow(cs))) {
  add("contrasts", expected_labels[i],
      list(estimate = cs$estimate[i], se = cs$SE[i], df = cs$df[i], t = cs$t.ratio[i],
           p = cs$p.value[i], ci_low = cc$lower.CL[i], ci_high = cc$upper.CL[i]))
}

# Assumptions
slopes <- anova(fit, update(fit, . ~ . + baseline:group))
add("assumptions", "slopes", list(F = slopes[2, "F"], df1 = slopes[2, "Df"],
                                  df2 = slopes[2, "Res.Df"], p = slopes[2, "Pr(>F)"]))
cells <- if (length(fac_names)) interaction(data[c("group", fac_names)], drop = TRUE) else data$group
res <- data.frame(residual = residuals(fit), cell = cells)
for (centre in c("median", "mean")) {
  lt <- leveneTest(residual ~ cell, data = res, center = get(centre))
  add("assumptions", paste0("levene_", centre),
      list(F = lt[1, "F value"], df1 = lt[1, "Df"], df2 = lt[2, "Df"], p = lt[1, "Pr(>F)"]))
}
sw <- shapiro.test(residuals(fit))
add("assumptions", "shapiro_wilk", list(statistic = unname(sw$statistic), p = sw$p.value))

# Unadjusted outcome means (complete cases)
for (level in group_levels) {
  y <- data$outcome[data$group == level]
  add("unadjusted", level, list(mean = mean(y), sd = sd(y), n = length(y)))
}

out <- do.call(rbind, rows)
write.table(out, args[2], sep = ",", row.names = FALSE, quote = FALSE, append = append,
            col.names = !append)

# The committed tests/reference/ancova_R.csv, ancova_set_baumann.csv and ancova_set_obk.csv, in full:
#   Rscript tests/reference/ancova_reference.R --make-baumann
#   Rscript tests/reference/ancova_reference.R --make-obk-wide
#   Rscript tests/reference/ancova_reference.R tests/reference/ancova_set_baumann.csv \
#     tests/reference/ancova_R.csv baumann post pre group - pretest2 --levels=Basal,DRTA,Strat
#   Rscript tests/reference/ancova_reference.R tests/reference/ancova_set_baumann.csv \
#     tests/reference/ancova_R.csv baumann_plain post pre group - - --append \
#     --levels=Basal,DRTA,Strat
#   Rscript tests/reference/ancova_reference.R tests/reference/ancova_set_obk.csv \
#     tests/reference/ancova_R.csv obk fup pre treatment gender - --append \
#     --levels=control,A,B
