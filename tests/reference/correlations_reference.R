# Independent R reference for the correlation stage.
#
# Written from the documented rules (workflow/wellbeing/correlations.py module docstring), not
# from the library's code. Two modes:
#
#   Rscript correlations_reference.R make-input <input.csv>
#       writes the simulated scores_wide-shaped input (fixed seed; committed as
#       tests/reference/correlations_input.csv): 40 participants x 3 waves (pre, mid, post), five
#       scored variables with missing values (so pairwise n differs), two measures recorded at a
#       single wave (age at pre, home_practice at post), dropouts without a row at mid/post.
#
#   Rscript correlations_reference.R <input.csv> <output.csv>
#       computes every analysis below and writes one row per analysis x pair:
#       analysis, var1, var2, n, dof, r, ci_low, ci_high, p, p_adjusted (numbers as %.17g).
#
# Which R function gives each number
#   pearson_pairwise  psych::corr.test(use = "pairwise", adjust = "holm") at wave pre:
#                     r, n (pairwise count), p (lower triangle of $p), Holm p (upper triangle),
#                     CI = $ci lower/upper (psych's *unadjusted* Fisher-z interval, SE 1/sqrt(n-3);
#                     psych's $ci.adj, a Holm-like widened interval, is not used).
#   pearson_listwise  psych::corr.test(adjust = "holm") on the participants complete on every
#                     variable at wave pre (not use = "complete": see the psych quirk below).
#   pearson_bh_mid    psych::corr.test(use = "pairwise", adjust = "BH") at wave mid; age (recorded at
#                     pre only) and home_practice (post only) are taken from their single wave.
#   spearman_pairwise stats::cor.test(method = "spearman", exact = FALSE) per pair at wave pre (rho,
#                     t-approximation p, as psych::corr.test(method = "spearman"), checked equal);
#                     p.adjust(, "holm"); CI by Fisher z with the Bonett-Wright (2000) SE
#                     sqrt((1 + r^2/2)/(n - 3)) computed here (psych uses 1/sqrt(n-3) for Spearman).
#   change_pearson    psych::corr.test(use = "pairwise", adjust = "holm") on change scores:
#                     scored variables post minus pre (missing unless both); age from pre and
#                     home_practice from post, as they are. Every participant of the study.
#   partial_pearson   per pair at wave pre, on the rows complete for the pair and the covariate age:
#                     psych::partial.r(data, c(x, y), "age") for r and psych::corr.p(r, n - 1,
#                     adjust = "none") for p and CI (t on n - 3 df, Fisher SE 1/sqrt(n - 4));
#                     checked against cor() of lm() residuals; p.adjust(, "holm") across pairs.
#   rmcorr            repeated-measures correlation (Bakdash & Marusich 2017) across pre, mid, post
#                     from base R's ANCOVA lm(y ~ factor(participant) + x): r = sign(b) *
#                     sqrt(SS_x / (SS_x + SS_residual)) with sequential (Type I) SS, x last;
#                     dof = residual df; p from anova()'s F test; CI Fisher z with n = dof + 2
#                     (as the rmcorr package); p.adjust(, "holm"). n = observations of the
#                     participants with at least two complete observations.
suppressPackageStartupMessages(library(psych))

args <- commandArgs(trailingOnly = TRUE)

make_input <- function(path) {
  RNGkind("Mersenne-Twister", "Inversion", "Rejection")
  set.seed(20240607)
  n <- 40
  waves <- c("pre", "mid", "post")
  id <- sprintf("P%02d", seq_len(n))
  group <- rep(c("imp", "control"), length.out = n)
  trait <- rnorm(n)                       # stable person level
  age <- round(rnorm(n, 45, 10))
  rows <- list()
  for (w in seq_along(waves)) {
    state <- rnorm(n)                     # wave-specific shared state
    f <- trait + 0.6 * state + 0.3 * (group == "imp") * (w - 1)
    rows[[w]] <- data.frame(
      participant = id, wave = waves[w], group = group,
      ffmq39.total = round(130 + 12 * f + rnorm(n, 0, 8)),
      scs26.total = round(3 + 0.4 * f + rnorm(n, 0, 0.35), 2),
      brs.total = round(3.2 + 0.35 * f + 0.01 * (age - 45) + rnorm(n, 0, 0.4), 2),
      pss10.total = round(18 - 4 * f + rnorm(n, 0, 3.5)),
      flourishing.total = pmin(56, round(44 + 3 * f + rnorm(n, 0, 3))),  # integers: ties
      home_practice = if (waves[w] == "post") 5 * round(rgamma(n, 4, 0.3) / 5) else NA_real_,
      age = if (waves[w] == "pre") age else NA_real_,
      check.names = FALSE)
  }
  data <- do.call(rbind, rows)
  # Item-level missingness: different rates per variable -> unequal pairwise n.
  rates <- c(ffmq39.total = 0.05, scs26.total = 0.10, brs.total = 0.15, pss10.total = 0.08,
             flourishing.total = 0.12, home_practice = 0.10, age = 0.05)
  for (v in names(rates)) {
    blank <- runif(nrow(data)) < rates[[v]]
    data[blank, v] <- NA
  }
  # Dropouts: no row at all at some waves.
  gone <- (data$wave == "mid" & data$participant %in% c("P07", "P19")) |
    (data$wave == "post" & data$participant %in% c("P07", "P23", "P31"))
  data <- data[!gone, ]
  write.csv(data, path, row.names = FALSE, na = "", quote = FALSE)
}

if (length(args) == 2 && args[1] == "make-input") {
  make_input(args[2])
  quit(save = "no")
}
if (length(args) != 2) stop("usage: Rscript correlations_reference.R <input.csv> <output.csv>")

data <- read.csv(args[1], check.names = FALSE, na.strings = "", colClasses = c(participant = "character"))
scored <- c("ffmq39.total", "scs26.total", "brs.total", "pss10.total", "flourishing.total")
at_wave <- function(wave, variables) {
  # One row per participant with a row at `wave`; a measure recorded at a single wave of the
  # study (age: pre, home_practice: post) is merged in from that wave.
  rows <- data[data$wave == wave, c("participant", intersect(variables, scored))]
  for (m in setdiff(variables, scored)) {
    from <- c(age = "pre", home_practice = "post")[[m]]
    other <- data[data$wave == from, c("participant", m)]
    rows[[m]] <- other[[m]][match(rows$participant, other$participant)]
  }
  rows[, variables]
}

out <- list()
add <- function(analysis, var1, var2, n, dof, r, lo, hi, p, pa) {
  out[[length(out) + 1]] <<- data.frame(analysis = analysis, var1 = var1, var2 = var2, n = n,
                                        dof = dof, r = r, ci_low = lo, ci_high = hi, p = p,
                                        p_adjusted = pa)
}
pairs_of <- function(variables) {
  k <- length(variables)
  do.call(rbind, lapply(seq_len(k - 1), function(i) cbind(i, (i + 1):k)))
}

corr_test_rows <- function(analysis, x, use, adjust) {
  ct <- corr.test(x, use = use, method = "pearson", adjust = adjust)
  v <- colnames(x)
  pr <- pairs_of(v)
  n <- if (length(ct$n) == 1) rep(ct$n, nrow(pr)) else ct$n[pr]
  # $ci rows follow r[lower.tri(r)]: column i, rows i+1..k, i.e. the pairs (i, j > i) in order.
  stopifnot(isTRUE(all.equal(ct$ci$r, ct$r[pr], tolerance = 0)))
  add(analysis, v[pr[, 1]], v[pr[, 2]], n, n - 2, ct$r[pr], ct$ci$lower, ct$ci$upper,
      ct$p[pr[, 2:1]], ct$p[pr])
}

pre_vars <- c(scored, "age")
corr_test_rows("pearson_pairwise", at_wave("pre", pre_vars), "pairwise", "holm")
# psych quirk: corr.test(use = "complete") computes r on the complete cases but sets n to the
# *smallest pairwise count* (min of t(!is.na(x)) %*% !is.na(x)), not the number of complete cases,
# so its p and CI rest on the wrong n. The listwise reference therefore passes the complete cases.
listwise <- na.omit(at_wave("pre", pre_vars))
stopifnot(isTRUE(all.equal(corr.test(at_wave("pre", pre_vars), use = "complete")$r,
                           cor(listwise), tolerance = 1e-14)))
corr_test_rows("pearson_listwise", listwise, "pairwise", "holm")
corr_test_rows("pearson_bh_mid", at_wave("mid", c(scored, "age", "home_practice")), "pairwise", "BH")

# Spearman: cor.test per pair (t approximation), Bonett-Wright CI.
x <- at_wave("pre", pre_vars)
pr <- pairs_of(pre_vars)
sp <- lapply(seq_len(nrow(pr)), function(k) {
  a <- x[[pr[k, 1]]]; b <- x[[pr[k, 2]]]
  ok <- complete.cases(a, b)
  test <- suppressWarnings(cor.test(a[ok], b[ok], method = "spearman", exact = FALSE))
  c(n = sum(ok), r = unname(test$estimate), p = test$p.value)
})
sp <- as.data.frame(do.call(rbind, sp))
ct_sp <- corr.test(x, use = "pairwise", method = "spearman", adjust = "none")
stopifnot(max(abs(ct_sp$r[pr] - sp$r)) < 1e-14, max(abs(ct_sp$p[pr] / sp$p - 1)) < 1e-10)
se <- sqrt((1 + sp$r^2 / 2) / (sp$n - 3))
z <- atanh(sp$r)
add("spearman_pairwise", pre_vars[pr[, 1]], pre_vars[pr[, 2]], sp$n, sp$n - 2, sp$r,
    tanh(z - qnorm(0.975) * se), tanh(z + qnorm(0.975) * se), sp$p, p.adjust(sp$p, "holm"))

# Change scores: every participant of the study.
ids <- unique(data$participant)
change <- data.frame(row.names = ids)
for (v in scored) {
  pre <- data[data$wave == "pre", ]; post <- data[data$wave == "post", ]
  change[[v]] <- post[[v]][match(ids, post$participant)] - pre[[v]][match(ids, pre$participant)]
}
change$home_practice <- data$home_practice[data$wave == "post"][match(ids, data$participant[data$wave == "post"])]
change$age <- data$age[data$wave == "pre"][match(ids, data$participant[data$wave == "pre"])]
corr_test_rows("change_pearson", change[, c("home_practice", scored, "age")], "pairwise", "holm")

# Partial correlations controlling for age, per pair on its complete rows.
partial_vars <- c("ffmq39.total", "scs26.total", "brs.total", "pss10.total")
x <- at_wave("pre", c(partial_vars, "age"))
pr <- pairs_of(partial_vars)
pc <- lapply(seq_len(nrow(pr)), function(k) {
  d <- x[, c(partial_vars[pr[k, ]], "age")]
  d <- d[complete.cases(d), ]
  n <- nrow(d)
  r <- partial.r(d, 1:2, 3)[1, 2]
  resid_r <- cor(resid(lm(d[[1]] ~ d$age)), resid(lm(d[[2]] ~ d$age)))
  stopifnot(abs(r - resid_r) < 1e-12)
  cp <- corr.p(matrix(c(1, r, r, 1), 2, dimnames = list(c("x", "y"), c("x", "y"))), n - 1,
               adjust = "none")
  # adjust = "none" makes corr.p treat the 2 x 2 matrix as non-symmetric: $ci has 4 rows, [2] = (y, x).
  c(n = n, r = r, p = cp$p[2, 1], lo = cp$ci$lower[2], hi = cp$ci$upper[2])
})
pc <- as.data.frame(do.call(rbind, pc))
add("partial_pearson", partial_vars[pr[, 1]], partial_vars[pr[, 2]], pc$n, pc$n - 3, pc$r, pc$lo,
    pc$hi, pc$p, p.adjust(pc$p, "holm"))

# Repeated-measures correlation across the three waves.
rm_vars <- c("ffmq39.total", "scs26.total", "brs.total", "pss10.total")
pr <- pairs_of(rm_vars)
rm <- lapply(seq_len(nrow(pr)), function(k) {
  d <- data.frame(s = factor(data$participant), x = data[[rm_vars[pr[k, 1]]]],
                  y = data[[rm_vars[pr[k, 2]]]])
  d <- d[complete.cases(d), ]
  # A participant with a single complete observation adds nothing (its own intercept absorbs
  # it; r and dof are unchanged): drop it, so n counts the observations that contribute.
  d <- droplevels(d[d$s %in% names(which(table(d$s) >= 2)), ])
  fit <- lm(y ~ s + x, data = d)
  a <- anova(fit)
  ss_x <- a["x", "Sum Sq"]; ss_e <- a["Residuals", "Sum Sq"]
  r <- sign(coef(fit)[["x"]]) * sqrt(ss_x / (ss_x + ss_e))
  dof <- a["Residuals", "Df"]
  z <- atanh(r); se <- 1 / sqrt(dof - 1)
  c(n = nrow(d), dof = dof, r = r, lo = tanh(z - qnorm(0.975) * se),
    hi = tanh(z + qnorm(0.975) * se), p = a["x", "Pr(>F)"])
})
rm <- as.data.frame(do.call(rbind, rm))
add("rmcorr", rm_vars[pr[, 1]], rm_vars[pr[, 2]], rm$n, rm$dof, rm$r, rm$lo, rm$hi, rm$p,
    p.adjust(rm$p, "holm"))

result <- do.call(rbind, out)
fmt <- function(v) ifelse(is.na(v), "", sprintf("%.17g", v))
for (col in c("r", "ci_low", "ci_high", "p", "p_adjusted")) result[[col]] <- fmt(result[[col]])
write.csv(result, args[2], row.names = FALSE, quote = FALSE)
