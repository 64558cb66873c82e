# Reference values for tests/test_participants.py (group comparisons of participant
# characteristics). Run: Rscript tests/reference/participants_reference.R
# R 4.2.2, stats package. Prints values with 15 significant digits; the test hard-codes them.
options(digits = 15)
age_c <- c(30, 40, 50, 41, 38)
age_t <- c(35, 45, 61, 52)
age_u <- c(20, 22, 29, 25)
w <- t.test(age_c, age_t)                      # Welch (var.equal = FALSE is the default)
cat("welch_t", w$statistic, w$parameter, w$p.value, "\n")
o <- oneway.test(v ~ g, data.frame(v = c(age_c, age_t, age_u),
                                    g = rep(c("c", "t", "u"), c(5, 4, 4))))
cat("welch_F", o$statistic, o$parameter, o$p.value, "\n")
f <- fisher.test(matrix(c(4, 1, 1, 3), 2))   # rows: F, M; columns: c, t
cat("fisher", f$p.value, "\n")
x <- chisq.test(matrix(c(2, 2, 1, 1, 1, 2), 3), correct = FALSE)   # rows: 3 professions
cat("chisq", x$statistic, x$parameter, x$p.value, min(x$expected), "\n")
