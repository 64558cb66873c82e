# Independent R reference for the sensitivity mixed model with a further between factor and
# missing waves: lmerTest on afex's obk.long (tests/reference/anova_set_obk.csv: treatment 3
# levels x gender, unbalanced, three phases), with two scores removed so that participants with
# a missing wave enter the model with the scores they have.
#
# Usage (from the repository root):
#   Rscript tests/reference/mixed_model_factors_reference.R
# writes tests/reference/mixed_model_factors_R.csv: term, statistic, value (%.17g).
#
# Model, as the pipeline fits it (workflow/wellbeing/anova.py, mixed_model):
#   lmerTest::lmer(score ~ wave * treatment * gender + (1 | participant), REML = TRUE)
#   wave and treatment treatment-coded (baseline pre, reference control), gender sum-coded
#   (contr.sum), so wave x treatment terms are averaged over gender with equal weights.
# Numbers: summary(fit)$coefficients for the wave:treatment terms -> estimate, se, df
#   (Satterthwaite), t, p; anova(fit, type = 3) row wave:treatment -> F, df1 (NumDF), df (DenDF), p.
# Versions: lme4 1.1-31, lmerTest 3.1-3 (Debian bookworm).

suppressPackageStartupMessages({library(lme4); library(lmerTest)})

data <- read.csv("tests/reference/anova_set_obk.csv", colClasses = "character")
data$score <- as.numeric(data$score)
# two scores missing: participant 3 at fup, participant 10 at post
data <- data[!((data$participant == "3" & data$wave == "fup") |
               (data$participant == "10" & data$wave == "post")), ]
data$wave <- factor(data$wave, levels = c("pre", "post", "fup"))
data$treatment <- factor(data$treatment, levels = c("control", "A", "B"))
data$gender <- factor(data$gender, levels = c("F", "M"))
contrasts(data$gender) <- contr.sum(2)

fit <- lmer(score ~ wave * treatment * gender + (1 | participant), data = data, REML = TRUE)
coefs <- summary(fit)$coefficients
rows <- list()
add <- function(term, statistic, value) {
  rows[[length(rows) + 1]] <<- data.frame(term = term, statistic = statistic,
                                          value = sprintf("%.17g", value))
}
for (w in c("post", "fup")) {
  for (g in c("A", "B")) {
    name <- paste0("wave", w, ":treatment", g)
    term <- paste0("time[", w, "]:group[", g, "]")
    add(term, "estimate", coefs[name, "Estimate"]); add(term, "se", coefs[name, "Std. Error"])
    add(term, "df", coefs[name, "df"]); add(term, "statistic", coefs[name, "t value"])
    add(term, "p", coefs[name, "Pr(>|t|)"])
  }
}
table <- anova(fit, type = 3)
add("group:time", "statistic", table["wave:treatment", "F value"])
add("group:time", "df1", table["wave:treatment", "NumDF"])
add("group:time", "df", table["wave:treatment", "DenDF"])
add("group:time", "p", table["wave:treatment", "Pr(>F)"])
write.csv(do.call(rbind, rows), "tests/reference/mixed_model_factors_R.csv", row.names = FALSE,
          quote = FALSE)
