# Independent R reference for the time x group mixed ANOVA.
#
# Usage (from the repository root):
#   Rscript tests/reference/anova_reference.R --make-sets   # (re)write the three data sets
#   Rscript tests/reference/anova_reference.R [<out.csv>]   # reference values -> out.csv
#                                        (default tests/reference/anova_reference_R.csv)
#
# Data sets, simulated here with set.seed(20240606) (R's default Mersenne-Twister / Inversion), one
# row per participant x wave, columns participant, group, wave, score (blank = missing):
#   anova_set_unbalanced.csv  2 groups (control 14, trained 10) x 2 waves (pre, post); trained
#                             t02 has no post row and t05 a blank post score: afex drops both,
#                             as the pipeline's ledger does, leaving 14 vs 8.
#   anova_set_3x3.csv         3 groups (a 8, b 11, c 14) x 3 waves; strongly non-spherical
#                             covariance (Mauchly p < .05, GG epsilon about 0.6).
#   anova_set_2x4.csv         2 groups (g1 10, g2 7) x 4 waves, non-spherical: exercises the
#                             second-order term of Mauchly's p (zero with 3 waves).
#
# Output: one row per dataset x table x effect x statistic, columns
#   dataset, table, effect, statistic, value        (value printed with %.17g; NA = not defined)
#
# Which R function gives which number
# -----------------------------------
# table "anova" (effects group, time, group:time):
#   afex::aov_ez(id, dv, data, between = "group", within = "wave", type = 3,
#                anova_table = list(es = c("pes", "ges"), correction = "none"))
#     -> df1, df2, F, p, pes, ges                              (afex 1.2-1: car::Anova.mlm inside)
#   summary(fit$Anova, multivariate = FALSE)  (car 3.1-1, car:::summary.Anova.mlm)
#     $univariate.tests   -> SS ("Sum Sq"), SS_error ("Error SS")
#     $pval.adjustments   -> eps_gg, eps_hf ("GG eps", "HF eps"; 3+ waves only)
#     $sphericity.tests   -> mauchly_w, mauchly_p (3+ waves only; R's p, including its "3 * p"
#                            term with p = number of waves)
#   anova(fit, correction = "GG") / "HF"  -> p_gg, p_hf (HF epsilon capped at 1, as car does)
#   effectsize::F_to_eta2(F, df1, df2, ci = 0.9, alternative = "two.sided")
#     -> pes_ci_low_effectsize, pes_ci_high_effectsize (effectsize 0.8.3 finds the noncentrality
#        with optim(), abstol 1e-9 on the probabilities: good to about 1e-6 only)
#   exact inversion here: uniroot() on pf(F, df1, df2, ncp) = 0.95 / 0.05, tol 1e-14, converted
#     with ncp / (ncp + df2) as effectsize does -> pes_ci_low, pes_ci_high (90%)
# table "followup" (effect "within|<group>|<later> - <earlier>" or "between|<wave>|<g> - <ref>"):
#   t.test(later, earlier, paired = TRUE) / t.test(g, ref) (Welch)
#     -> t, df, p, mean_diff, diff_ci_low, diff_ci_high (95%)
#   between: effectsize::hedges_g(g, ref, ci = 0.95) -> g_effectsize, g_ci_low_effectsize, ...;
#            exact noncentral-t inversion with uniroot(pt(...)) -> g, g_ci_low, g_ci_high
#   within: g_av written out (effectsize 0.8.3 has no repeated_measures_d): d = mean(diff) /
#           sqrt((var(x) + var(y)) / 2), se = sd(diff) / sqrt(n) / s, normal 95% interval, times
#           J = exp(lgamma(df/2) - log(sqrt(df/2)) - lgamma((df-1)/2)), df = n - 1
#           (effectsize >= 0.8.7 repeated_measures_d(method = "av", adjust = TRUE))
# table "assumption": shapiro.test per group x wave (W, p); car::leveneTest(center = mean) and
#   (center = median) per wave (F, df1, df2, p); Box's M written out (chi-square approximation
#   of Box 1949, the formula of heplots::boxM, which Debian does not package) -> chi2, df, p
# table "lmm": lmerTest::lmer(score ~ wave * group + (1 | participant), REML = TRUE) (lmerTest 3.1-3:
#   lme4's fit, Satterthwaite df, t and p in summary(); anova(m) the joint F of the interaction
#   with its Satterthwaite denominator df) on all available
#   rows (treatment contrasts: first wave, first group) -> estimate, se of every
#   wave:group interaction term; n_participants, n_observations
suppressPackageStartupMessages({
  library(afex)
  library(car)
  library(effectsize)
  library(lme4)
  library(lmerTest)       # after lme4: its lmer() adds Satterthwaite df
})

args <- commandArgs(trailingOnly = TRUE)
here <- "tests/reference"
sets <- c(unbalanced = "anova_set_unbalanced.csv", three_by_three = "anova_set_3x3.csv",
          two_by_four = "anova_set_2x4.csv")

fmt <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

simulate_set <- function(sizes, waves, mu, sigma, prefix) {
  rows <- list()
  L <- chol(sigma)
  for (gi in seq_along(sizes)) {
    g <- names(sizes)[gi]
    for (i in seq_len(sizes[[gi]])) {
      y <- mu[gi, ] + as.vector(rnorm(length(waves)) %*% L)
      id <- sprintf("%s%02d", prefix[gi], i)
      rows[[length(rows) + 1]] <- data.frame(participant = id, group = g, wave = waves,
                                             score = round(y, 3))
    }
  }
  do.call(rbind, rows)
}

make_sets <- function() {
  set.seed(20240606)
  s1 <- simulate_set(c(control = 14, trained = 10), c("pre", "post"),
                     mu = rbind(c(30, 30.5), c(29, 33)),
                     sigma = matrix(c(16, 11, 11, 18), 2), prefix = c("c", "t"))
  s1 <- s1[!(s1$participant == "t02" & s1$wave == "post"), ]
  s1$score[s1$participant == "t05" & s1$wave == "post"] <- NA
  s2 <- simulate_set(c(a = 8, b = 11, c = 14), c("t1", "t2", "t3"),
                     mu = rbind(c(3, 3.2, 3.4), c(3, 3.6, 4.4), c(3.1, 3.0, 3.9)),
                     sigma = matrix(c(0.30, 0.25, 0.05,
                                      0.25, 0.35, 0.10,
                                      0.05, 0.10, 1.60), 3), prefix = c("a", "b", "c"))
  s3 <- simulate_set(c(g1 = 10, g2 = 7), c("w1", "w2", "w3", "w4"),
                     mu = rbind(c(10, 11, 12, 12.5), c(10, 12, 14, 16)),
                     sigma = matrix(c(4.0, 3.5, 1.0, 0.5,
                                      3.5, 4.5, 2.0, 1.0,
                                      1.0, 2.0, 9.0, 6.0,
                                      0.5, 1.0, 6.0, 16.0), 4), prefix = c("p", "q"))
  for (pair in list(list(s1, sets[["unbalanced"]]), list(s2, sets[["three_by_three"]]),
                    list(s3, sets[["two_by_four"]]))) {
    d <- pair[[1]]
    d$score <- ifelse(is.na(d$score), "", sprintf("%.3f", d$score))
    write.csv(d, file.path(here, pair[[2]]), row.names = FALSE, quote = FALSE)
  }
}

if (length(args) >= 1 && args[1] == "--make-sets") {
  make_sets()
  quit(save = "no")
}
out_path <- if (length(args) >= 1) args[1] else file.path(here, "anova_reference_R.csv")

ncp_f <- function(f, df1, df2, target) {
  if (pf(f, df1, df2) <= target) return(0)
  hi <- max(10, 2 * f * df1)
  while (pf(f, df1, df2, ncp = hi) > target) hi <- 2 * hi
  uniroot(function(x) pf(f, df1, df2, ncp = x) - target, c(0, hi), tol = 1e-14)$root
}
ncp_t <- function(t, df, target) {
  lo <- t - 4; while (pt(t, df, ncp = lo) < target) lo <- lo - 4
  hi <- t + 4; while (pt(t, df, ncp = hi) > target) hi <- hi + 4
  uniroot(function(x) pt(t, df, ncp = x) - target, c(lo, hi), tol = 1e-14)$root
}

results <- list()
add <- function(dataset, table, effect, values) {
  results[[length(results) + 1]] <<- data.frame(dataset = dataset, table = table, effect = effect,
                                                statistic = names(values),
                                                value = fmt(unlist(values)))
}

for (dataset in names(sets)) {
  d <- read.csv(file.path(here, sets[[dataset]]), colClasses = c("character", "character",
                                                                 "character", "numeric"))
  waves <- unique(d$wave)
  groups <- unique(d$group)
  d$wave <- factor(d$wave, levels = waves)
  d$group <- factor(d$group, levels = groups)
  complete_ids <- names(which(tapply(!is.na(d$score), d$participant, sum) == length(waves)))
  dc <- droplevels(d[d$participant %in% complete_ids, ])

  fit <- suppressWarnings(suppressMessages(aov_ez(
    "participant", "score", d, between = "group", within = "wave", type = 3,
    anova_table = list(es = c("pes", "ges"), correction = "none"))))
  tab <- fit$anova_table
  uni <- summary(fit$Anova, multivariate = FALSE)
  gg <- suppressWarnings(anova(fit, correction = "GG", es = "none"))
  hf <- suppressWarnings(anova(fit, correction = "HF", es = "none"))
  terms <- c(group = "group", time = "wave", `group:time` = "group:wave")
  for (effect in names(terms)) {
    term <- terms[[effect]]
    F <- tab[term, "F"]; df1 <- tab[term, "num Df"]; df2 <- tab[term, "den Df"]
    es <- F_to_eta2(F, df1, df2, ci = 0.9, alternative = "two.sided")
    within <- effect != "group"
    three <- length(waves) >= 3
    values <- list(
      df1 = df1, df2 = df2, SS = uni$univariate.tests[term, "Sum Sq"],
      SS_error = uni$univariate.tests[term, "Error SS"], F = F, p = tab[term, "Pr(>F)"],
      pes = tab[term, "pes"], ges = tab[term, "ges"],
      pes_ci_low = ncp_f(F, df1, df2, 0.95) / (ncp_f(F, df1, df2, 0.95) + df2),
      pes_ci_high = ncp_f(F, df1, df2, 0.05) / (ncp_f(F, df1, df2, 0.05) + df2),
      pes_ci_low_effectsize = es$CI_low, pes_ci_high_effectsize = es$CI_high,
      eps_gg = if (within && three) uni$pval.adjustments[term, "GG eps"] else NA,
      eps_hf = if (within && three) uni$pval.adjustments[term, "HF eps"] else NA,
      p_gg = if (within) gg[term, "Pr(>F)"] else NA,
      p_hf = if (within) hf[term, "Pr(>F)"] else NA,
      mauchly_w = if (within && three) uni$sphericity.tests[term, "Test statistic"] else NA,
      mauchly_p = if (within && three) uni$sphericity.tests[term, "p-value"] else NA,
      n = length(complete_ids))
    add(dataset, "anova", effect, values)
  }

  # follow-ups on the complete cases
  Y <- reshape(dc[, c("participant", "group", "wave", "score")], idvar = c("participant", "group"),
               timevar = "wave", direction = "wide")
  colnames(Y) <- sub("^score\\.", "", colnames(Y))
  k <- length(waves)
  pairs <- c(lapply(seq_len(k - 1), function(j) c(j, j + 1)),
             if (k >= 3) lapply(3:k, function(j) c(1, j)))
  for (g in groups) {
    block <- Y[Y$group == g, ]
    for (pr in pairs) {
      x <- block[[waves[pr[1]]]]; y <- block[[waves[pr[2]]]]
      tt <- t.test(y, x, paired = TRUE)
      n <- length(x); df <- n - 1
      s <- sqrt((var(x) + var(y)) / 2)
      dav <- mean(y - x) / s
      se <- sd(y - x) / sqrt(n) / s
      J <- exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))
      add(dataset, "followup", sprintf("within|%s|%s - %s", g, waves[pr[2]], waves[pr[1]]),
          list(t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
               mean_diff = unname(tt$estimate), diff_ci_low = tt$conf.int[1],
               diff_ci_high = tt$conf.int[2], g = J * dav,
               g_ci_low = J * (dav - qnorm(0.975) * se), g_ci_high = J * (dav + qnorm(0.975) * se)))
    }
  }
  for (w in waves) {
    ref <- Y[Y$group == groups[1], w]
    for (g in groups[-1]) {
      x <- Y[Y$group == g, w]
      tt <- t.test(x, ref)
      hg <- hedges_g(x, ref, ci = 0.95)
      n1 <- length(ref); n2 <- length(x); dfp <- n1 + n2 - 2
      sp <- sqrt(((n1 - 1) * var(ref) + (n2 - 1) * var(x)) / dfp)
      dd <- (mean(x) - mean(ref)) / sp
      hn <- 1 / n1 + 1 / n2
      tp <- dd / sqrt(hn)
      J <- exp(lgamma(dfp / 2) - log(sqrt(dfp / 2)) - lgamma((dfp - 1) / 2))
      add(dataset, "followup", sprintf("between|%s|%s - %s", w, g, groups[1]),
          list(t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
               mean_diff = mean(x) - mean(ref), diff_ci_low = tt$conf.int[1],
               diff_ci_high = tt$conf.int[2], g = J * dd,
               g_ci_low = J * ncp_t(tp, dfp, 0.975) * sqrt(hn),
               g_ci_high = J * ncp_t(tp, dfp, 0.025) * sqrt(hn),
               g_effectsize = hg$Hedges_g, g_ci_low_effectsize = hg$CI_low,
               g_ci_high_effectsize = hg$CI_high))
    }
  }

  # assumptions on the complete cases
  for (g in groups) for (w in waves) {
    sw <- shapiro.test(Y[Y$group == g, w])
    add(dataset, "assumption", sprintf("shapiro_wilk|%s|%s", g, w),
        list(statistic = unname(sw$statistic), p = sw$p.value))
  }
  for (w in waves) {
    for (centre in c("mean", "median")) {
      lt <- leveneTest(Y[[w]], factor(Y$group, levels = groups),
                       center = if (centre == "mean") mean else median)
      add(dataset, "assumption", sprintf("levene_%s||%s", centre, w),
          list(statistic = lt[1, "F value"], df1 = lt[1, "Df"], df2 = lt[2, "Df"],
               p = lt[1, "Pr(>F)"]))
    }
  }
  Ym <- as.matrix(Y[, waves])
  p <- ncol(Ym); ng <- length(groups)
  dfs <- sapply(groups, function(g) sum(Y$group == g) - 1)
  covs <- lapply(groups, function(g) cov(Ym[Y$group == g, , drop = FALSE]))
  pooled <- Reduce(`+`, Map(function(c, d) c * d, covs, dfs)) / sum(dfs)
  M <- sum(dfs) * log(det(pooled)) - sum(dfs * sapply(covs, function(c) log(det(c))))
  c1 <- (sum(1 / dfs) - 1 / sum(dfs)) * (2 * p^2 + 3 * p - 1) / (6 * (p + 1) * (ng - 1))
  chi2 <- M * (1 - c1); dfm <- p * (p + 1) * (ng - 1) / 2
  add(dataset, "assumption", "box_m||",
      list(statistic = chi2, df1 = dfm, p = pchisq(chi2, dfm, lower.tail = FALSE)))

  # sensitivity mixed model, all available data
  da <- d[!is.na(d$score), ]
  m <- lmer(score ~ wave * group + (1 | participant), data = da, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa",
                                  optCtrl = list(rhobeg = 2e-3, rhoend = 2e-12)))
  co <- summary(m)$coefficients          # lmerTest: Satterthwaite df, t and p
  for (j in seq_along(waves)[-1]) for (h in seq_along(groups)[-1]) {
    name <- sprintf("wave%s:group%s", waves[j], groups[h])
    add(dataset, "lmm", sprintf("time[%s]:group[%s]", waves[j], groups[h]),
        list(estimate = co[name, "Estimate"], se = co[name, "Std. Error"],
             df = co[name, "df"], statistic = co[name, "t value"], p = co[name, "Pr(>|t|)"],
             n_participants = length(unique(da$participant)), n_observations = nrow(da)))
  }
  if ((length(waves) - 1) * (length(groups) - 1) > 1) {
    a <- anova(m, ddf = "Satterthwaite")   # the interaction, jointly (lmerTest's contestMD)
    add(dataset, "lmm", "group:time",
        list(statistic = a["wave:group", "F value"], df1 = a["wave:group", "NumDF"],
             df = a["wave:group", "DenDF"], p = a["wave:group", "Pr(>F)"]))
  }
}

out <- do.call(rbind, results)
write.csv(out, out_path, row.names = FALSE, quote = FALSE)
cat("wrote", nrow(out), "rows to", out_path, "\n")
