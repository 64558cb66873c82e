# Independent R reference for the careless-response indices of wellbeing.screening, written from
# the definitions in R's careless package (Yentes & Wilhelm, version 1.2.2; the package itself is
# not on CRAN for this R and is not needed): base R and psych only.
#
# Usage (from the repository root):
#   Rscript tests/reference/screening_reference.R tests/reference/screening_set.csv \
#       tests/reference/screening_R.csv
#   <set>: participant, then 12 item columns a1-a4, b1-b4, c1-c4 (three 4-item scales), blanks missing.
#
# Output: participant, longstring, irv, mahalanobis_d2, mahalanobis_p, psych_outlier_d2, even_odd (%.17g):
#   longstring        max(rle(x)$lengths) over the answered items (careless::longstring; rle
#                     counts an NA as a run of its own, so a missing answer ends a run)
#   irv               sd(x, na.rm = TRUE) (careless::irv)
#   mahalanobis_d2    stats::mahalanobis on the complete rows, their colMeans and cov (n - 1)
#   mahalanobis_p     pchisq(d2, df = 12, lower.tail = FALSE) (careless::mahad's cut is qchisq(conf, ncol))
#   psych_outlier_d2  psych::outlier on the complete rows, as careless::mahad calls it
#   even_odd          per scale, mean of the odd- and of the even-numbered items (na.rm); r = cor of the
#                     two across the scales (pairwise complete); 2r / (1 + r), floored at -1; negated
#                     (careless::evenodd since 1.2.0)

suppressPackageStartupMessages(library(psych))

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 2)
set <- read.csv(args[1], colClasses = c(participant = "character"))
x <- as.matrix(set[, -1])
longest <- apply(x, 1, function(row) max(rle(row)$lengths))
irv <- apply(x, 1, sd, na.rm = TRUE)
complete <- complete.cases(x)
d2 <- rep(NA_real_, nrow(x))
d2[complete] <- mahalanobis(x[complete, ], colMeans(x[complete, ]), cov(x[complete, ]))
p <- pchisq(d2, df = ncol(x), lower.tail = FALSE)
outlier_d2 <- rep(NA_real_, nrow(x))
outlier_d2[complete] <- as.numeric(outlier(x[complete, ], plot = FALSE, bad = 0))
scales <- list(1:4, 5:8, 9:12)
even_odd <- apply(x, 1, function(row) {
  halves <- t(sapply(scales, function(items) {
    s <- row[items]
    c(odd = mean(s[seq(1, length(s), 2)], na.rm = TRUE), even = mean(s[seq(2, length(s), 2)], na.rm = TRUE))
  }))
  r <- suppressWarnings(cor(halves[, "odd"], halves[, "even"], use = "pairwise.complete.obs"))
  value <- 2 * r / (1 + r)
  if (!is.na(value) && value < -1) value <- -1
  -value
})
number <- function(v) ifelse(is.na(v), "", sprintf("%.17g", v))
out <- data.frame(participant = set$participant, longstring = longest, irv = number(irv),
                  mahalanobis_d2 = number(d2), mahalanobis_p = number(p),
                  psych_outlier_d2 = number(outlier_d2), even_odd = number(even_odd))
write.csv(out, args[2], row.names = FALSE, quote = FALSE)
