# Independent R reference scoring for FFMQ-39, SCS-26, PSS-10 and ProQOL-5.
#
# Usage:  Rscript tests/reference/score_reference.R <responses.csv> <out.csv>
#
# <responses.csv> is a validated responses table as the pipeline writes it
# (results/<study>/ingest/responses.csv): one row per participant x wave, item columns
# FFMQ_1..39, SCS_1..26, PSS_1..10, ProQOL_1..30, blank cells = unanswered.
# <out.csv> gets one row per participant x wave x scale:
#   participant, wave, instrument, scale, score
# with scores printed to 17 significant digits (round-trips to the same double) and a blank
# cell for a missing score.
#
# Written from the published definitions, NOT from the pipeline's code or YAML files: the keys
# below are typed in from the published scoring keys (FFMQ-39: Baer et al. 2006; SCS-26: Neff
# 2003; PSS-10: Cohen et al. 1983; ProQOL-5: Stamm 2010), and the missing-item rule from the
# study protocol (every one of these four instruments uses min_answered = 80%):
#
#   * needed(n)  = ceil(0.8 * n) answered items (computed in integers: (4n + 4) %/% 5);
#   * reversed   = min + max - x (FFMQ/SCS/ProQOL 1..5 -> 6 - x; PSS 0..4 -> 4 - x);
#   * "sum"      = plain sum when every item is answered, else mean of the answered items times
#                  the number of items (prorating); missing when fewer than needed(n) answered;
#   * "mean"     = mean of the answered items; missing when fewer than needed(n) answered;
#   * SCS total  = mean of the six subscale means, computed after reversing the items of the three
#                  negative subscales (self-judgment, isolation, over-identification), each
#                  subscale prorated on its own; missing if any subscale has fewer than needed(n).
#
# Which R function gives which number
# -----------------------------------
# psych::scoreItems(keys, items, impute = "none", min = , max = , delete = FALSE) reverses the
# "-"-prefixed items as (max + min - x) and, with impute = "none", scores each person from the
# items they answered:
#   - totals = FALSE -> mean of the answered (reversed) items  ("mean" scales; SCS subscales;
#                      and, times n_items, the prorated "sum" scales);
#   - totals = TRUE  -> sum of the answered (reversed) items   (equal to the "sum" rule for
#                      complete cases only; used for those).
# (psych's own imputation, impute = "median"/"mean", fills in the *item's* sample median/mean, not
# the person's mean, so it does not match the rule and is not used; delete = FALSE keeps items
# with no variance in small samples instead of silently dropping them.)
# The number answered per scale is base R rowSums(!is.na(.)); the threshold is applied here.
#   ffmq39 observe/describe/act_aware/nonjudge/nonreact/total: scoreItems totals=TRUE (complete)
#          or scoreItems totals=FALSE x n (prorated); 80% rule
#   scs26  six subscales: scoreItems totals=FALSE on the raw (unreversed) items; 80% rule
#   scs26  total: rowMeans of the six scoreItems(totals=FALSE) subscale means with keys "-" for
#          the negative subscales; missing if any subscale fails the 80% rule
#   pss10  total: as ffmq39 (range 0..4)
#   proqol5 compassion_satisfaction/burnout/secondary_trauma/compassion_fatigue: as ffmq39;
#          compassion_fatigue is the 20-item burnout + secondary-trauma scale (burnout reverse
#          keys applied), prorated over its 20 items.
# Every psych result is also recomputed with plain base R (rowSums/rowMeans on an explicitly
# reversed matrix) and the script stops if the two disagree by more than 1e-12.

suppressPackageStartupMessages(library(psych))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) {
  stop("usage: Rscript score_reference.R <responses.csv> <out.csv>", call. = FALSE)
}
in_path <- args[[1]]
out_path <- args[[2]]

MIN_SHARE_NUM <- 4L  # 80% = 4/5, kept as integers so ceil() is exact
MIN_SHARE_DEN <- 5L
needed <- function(n) as.integer((MIN_SHARE_NUM * n + MIN_SHARE_DEN - 1L) %/% MIN_SHARE_DEN)

# ----------------------------------------------------------------------------------------------
# Keys, typed in from the published scoring keys. For each scale: its items, which of them are
# reverse-keyed, and the rule. Item numbers refer to the instrument's own numbering.
# ----------------------------------------------------------------------------------------------
instruments <- list(
  ffmq39 = list(
    prefix = "FFMQ_", n_items = 39L, min = 1, max = 5,
    scales = list(
      observe   = list(items = c(1, 6, 11, 15, 20, 26, 31, 36), reverse = c(), rule = "sum"),
      describe  = list(items = c(2, 7, 12, 16, 22, 27, 32, 37), reverse = c(12, 16, 22),
                       rule = "sum"),
      act_aware = list(items = c(5, 8, 13, 18, 23, 28, 34, 38),
                       reverse = c(5, 8, 13, 18, 23, 28, 34, 38), rule = "sum"),
      nonjudge  = list(items = c(3, 10, 14, 17, 25, 30, 35, 39),
                       reverse = c(3, 10, 14, 17, 25, 30, 35, 39), rule = "sum"),
      nonreact  = list(items = c(4, 9, 19, 21, 24, 29, 33), reverse = c(), rule = "sum")
    ),
    # total: all 39 items, each facet's reverse keys applied (built below)
    total = "sum_of_all_items"
  ),
  scs26 = list(
    prefix = "SCS_", n_items = 26L, min = 1, max = 5,
    scales = list(
      self_kindness       = list(items = c(5, 12, 19, 23, 26), negative = FALSE),
      self_judgment       = list(items = c(1, 8, 11, 16, 21), negative = TRUE),
      common_humanity     = list(items = c(3, 7, 10, 15), negative = FALSE),
      isolation           = list(items = c(4, 13, 18, 25), negative = TRUE),
      mindfulness         = list(items = c(9, 14, 17, 22), negative = FALSE),
      over_identification = list(items = c(2, 6, 20, 24), negative = TRUE)
    ),
    total = "mean_of_subscale_means"
  ),
  pss10 = list(
    prefix = "PSS_", n_items = 10L, min = 0, max = 4,
    scales = list(
      total = list(items = 1:10, reverse = c(4, 5, 7, 8), rule = "sum")
    )
  ),
  proqol5 = list(
    prefix = "ProQOL_", n_items = 30L, min = 1, max = 5,
    scales = list(
      compassion_satisfaction = list(items = c(3, 6, 12, 16, 18, 20, 22, 24, 27, 30),
                                     reverse = c(), rule = "sum"),
      burnout            = list(items = c(1, 4, 8, 10, 15, 17, 19, 21, 26, 29),
                                reverse = c(1, 4, 15, 17, 29), rule = "sum"),
      secondary_trauma   = list(items = c(2, 5, 7, 9, 11, 13, 14, 23, 25, 28),
                                reverse = c(), rule = "sum"),
      # burnout + secondary traumatic stress as one 20-item scale
      compassion_fatigue = list(items = c(1, 4, 8, 10, 15, 17, 19, 21, 26, 29,
                                          2, 5, 7, 9, 11, 13, 14, 23, 25, 28),
                                reverse = c(1, 4, 15, 17, 29), rule = "sum")
    )
  )
)

# FFMQ total: every item once, reversed where its facet reverses it.
local({
  facets <- instruments$ffmq39$scales
  items <- sort(unlist(lapply(facets, `[[`, "items")))
  stopifnot(identical(as.numeric(items), as.numeric(1:39)))
  reverse <- sort(unlist(lapply(facets, `[[`, "reverse")))
  instruments$ffmq39$scales$total <<- list(items = items, reverse = reverse, rule = "sum")
})

# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------
TOL <- 1e-12

psych_key <- function(prefix, items, reverse) {
  # psych keys.list entry: column names, "-" in front of reverse-keyed items
  paste0(ifelse(items %in% reverse, "-", ""), prefix, items)
}

psych_scores <- function(keys, data, min, max, totals) {
  # scoreItems on the columns the keys name; returns the $scores matrix (persons x scales)
  columns <- unique(sub("^-", "", unlist(keys)))
  fit <- suppressWarnings(psych::scoreItems(keys, data[, columns, drop = FALSE],
                                            totals = totals, impute = "none",
                                            min = min, max = max, delete = FALSE))
  scores <- fit$scores
  colnames(scores) <- names(keys)
  scores
}

base_block <- function(data, prefix, items, reverse, min, max) {
  # plain base-R item matrix with the reverse-keyed items as (min + max - x)
  block <- as.matrix(data[, paste0(prefix, items), drop = FALSE])
  storage.mode(block) <- "double"
  flip <- items %in% reverse
  block[, flip] <- min + max - block[, flip]
  block
}

agree <- function(a, b, what) {
  same_na <- identical(is.na(a), is.na(b))
  diff <- if (any(!is.na(a))) max(abs(a - b), na.rm = TRUE) else 0
  if (!same_na || diff > TOL) {
    stop(sprintf("psych and base R disagree for %s (max diff %g, same NA: %s)",
                 what, diff, same_na), call. = FALSE)
  }
}

score_instrument <- function(id, spec, data) {
  out <- list()
  n <- nrow(data)
  if (!is.null(spec$total) && spec$total == "mean_of_subscale_means") {
    # SCS-26: subscales = mean of raw items; total = mean of the subscale means after
    # reversing the negative subscales' items.
    raw_keys <- lapply(spec$scales, function(s) psych_key(spec$prefix, s$items, c()))
    rev_keys <- lapply(spec$scales, function(s)
      psych_key(spec$prefix, s$items, if (s$negative) s$items else c()))
    raw_means <- psych_scores(raw_keys, data, spec$min, spec$max, totals = FALSE)
    rev_means <- psych_scores(rev_keys, data, spec$min, spec$max, totals = FALSE)
    all_ok <- rep(TRUE, n)
    group_means <- matrix(NA_real_, n, length(spec$scales))
    for (k in seq_along(spec$scales)) {
      name <- names(spec$scales)[[k]]
      s <- spec$scales[[k]]
      raw <- base_block(data, spec$prefix, s$items, c(), spec$min, spec$max)
      answered <- rowSums(!is.na(raw))
      ok <- answered >= needed(length(s$items))
      score <- ifelse(ok, raw_means[, name], NA_real_)
      agree(score, ifelse(ok, rowMeans(raw, na.rm = TRUE), NA_real_), paste(id, name))
      out[[name]] <- score
      rev <- base_block(data, spec$prefix, s$items, if (s$negative) s$items else c(),
                        spec$min, spec$max)
      group <- ifelse(ok, rev_means[, name], NA_real_)
      agree(group, ifelse(ok, rowMeans(rev, na.rm = TRUE), NA_real_),
            paste(id, name, "(reversed for the total)"))
      group_means[, k] <- group
      all_ok <- all_ok & ok
    }
    total <- ifelse(all_ok, rowMeans(group_means), NA_real_)
    # cross-check: negative subscale mean reversed = (min + max) - raw mean
    sign <- ifelse(vapply(spec$scales, `[[`, logical(1), "negative"), -1, 1)
    shift <- ifelse(sign < 0, spec$min + spec$max, 0)
    alt <- rowMeans(sweep(sweep(do.call(cbind, out), 2, sign, `*`), 2, shift, `+`))
    agree(total, ifelse(all_ok, alt, NA_real_), paste(id, "total"))
    out[["total"]] <- total
    return(out)
  }

  keys <- lapply(spec$scales, function(s) psych_key(spec$prefix, s$items, s$reverse))
  means <- psych_scores(keys, data, spec$min, spec$max, totals = FALSE)
  sums <- psych_scores(keys, data, spec$min, spec$max, totals = TRUE)
  for (name in names(spec$scales)) {
    s <- spec$scales[[name]]
    stopifnot(s$rule == "sum")
    n_items <- length(s$items)
    block <- base_block(data, spec$prefix, s$items, s$reverse, spec$min, spec$max)
    answered <- rowSums(!is.na(block))
    ok <- answered >= needed(n_items)
    # complete: psych sum; prorated: psych mean of the answered items x n_items
    score <- ifelse(!ok, NA_real_,
                    ifelse(answered == n_items, sums[, name], means[, name] * n_items))
    base <- ifelse(!ok, NA_real_,
                   ifelse(answered == n_items, rowSums(block),
                          rowSums(block, na.rm = TRUE) * n_items / answered))
    agree(score, base, paste(id, name))
    out[[name]] <- score
  }
  out
}

# ----------------------------------------------------------------------------------------------
# Read, score, write
# ----------------------------------------------------------------------------------------------
data <- read.csv(in_path, check.names = FALSE, na.strings = c("", "NA"),
                 colClasses = c(participant = "character", wave = "character"),
                 stringsAsFactors = FALSE)
for (spec in instruments) {
  columns <- paste0(spec$prefix, seq_len(spec$n_items))
  absent <- setdiff(columns, names(data))
  if (length(absent)) stop("missing item columns: ", paste(absent, collapse = ", "), call. = FALSE)
  for (column in columns) {
    values <- suppressWarnings(as.numeric(data[[column]]))
    bad <- !is.na(data[[column]]) & is.na(values)
    if (any(bad)) stop("non-numeric values in ", column, call. = FALSE)
    outside <- !is.na(values) & (values < spec$min | values > spec$max)
    if (any(outside)) stop("values outside ", spec$min, "..", spec$max, " in ", column,
                           call. = FALSE)
    data[[column]] <- values
  }
}

pieces <- list()
for (id in names(instruments)) {
  scored <- score_instrument(id, instruments[[id]], data)
  for (scale in names(scored)) {
    pieces[[length(pieces) + 1]] <- data.frame(
      participant = data$participant, wave = data$wave, instrument = id, scale = scale,
      score = scored[[scale]], row = seq_len(nrow(data)), stringsAsFactors = FALSE)
  }
}
result <- do.call(rbind, pieces)
# input row order (participant x wave), then instruments and scales in the order above
result <- result[order(result$row, seq_len(nrow(result)), method = "radix"), ]

text <- ifelse(is.na(result$score), "", sprintf("%.17g", result$score))
back <- as.numeric(text[!is.na(result$score)])
stopifnot(identical(back, result$score[!is.na(result$score)]))  # exact round trip

csv_field <- function(x) {
  needs <- grepl("[\",\r\n]", x)
  x[needs] <- paste0("\"", gsub("\"", "\"\"", x[needs]), "\"")
  x
}
lines <- c("participant,wave,instrument,scale,score",
           paste(csv_field(result$participant), csv_field(result$wave),
                 result$instrument, result$scale, text, sep = ","))
dir.create(dirname(out_path), showWarnings = FALSE, recursive = TRUE)
con <- file(out_path, open = "wb")
writeLines(lines, con, sep = "\n", useBytes = TRUE)
close(con)
