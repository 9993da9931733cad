# Reference values from R's `survival` package for tests/test_survival.py and tests/test_response.py.
#
# Rerun (from the repo root; R and r-cran-survival are test-time tools, not project dependencies):
#   python tests/reference/export_data.py        # only if the input CSVs must be regenerated
#   Rscript tests/reference/make_reference.R     # writes tests/reference/r_survival.json
#
# Conventions requested from R: survfit(conf.type = "log-log"), summary(fit, times, extend = FALSE),
# print(fit, rmean = tau) / survival:::survmean for RMST, reverse KM = survfit(Surv(time, 1 - event)),
# coxph(ties = "efron") with Wald CI and p, survdiff (rho = 0), binom.test, and Newcombe's hybrid
# score interval built from prop.test(correct = FALSE) Wilson intervals.

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

datasets <- list(
  gbsg2 = list(arm = "yes", reference = "no", landmarks = c(365, 730, 1825, 3000), tau = 1825),
  # The truth of trials/gbsg2 and tests/test_workflow.py: GBSG2 in months (days / (365.25 / 12)).
  gbsg2_months = list(arm = "yes", reference = "no", landmarks = c(12, 24, 36, 60), tau = 60),
  leukemia = list(arm = "mp6", reference = "placebo", landmarks = c(10, 23, 30), tau = 20),
  plateau = list(arm = "A", reference = "B", landmarks = c(0.5, 2, 5, 12), tau = 10),
  half_ulp = list(arm = "A", reference = "B", landmarks = c(3, 6), tau = 8)
)

# --- minimal JSON writer (jsonlite is not assumed to be installed) ---------------------------
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.null(x) || (length(x) == 1 && is.atomic(x) && is.na(x))) return("null")
  if (is.list(x)) {
    items <- vapply(x, to_json, character(1), indent = inner)
    if (is.null(names(x))) {
      return(paste0("[\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "]"))
    }
    keys <- paste0("\"", names(x), "\": ")
    return(paste0("{\n", inner, paste0(keys, items, collapse = paste0(",\n", inner)), "\n", indent, "}"))
  }
  if (is.character(x)) return(paste0("\"", x, "\""))
  if (is.logical(x)) return(tolower(as.character(x)))
  if (length(x) > 1) return(to_json(as.list(x), indent))
  sprintf("%.17g", x)
}

ci <- function(estimate, lower, upper) list(estimate = estimate, lower = lower, upper = upper)

arm_summary <- function(d, landmarks, tau) {
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  tab <- summary(fit, rmean = tau)$table
  s <- summary(fit, times = landmarks, extend = FALSE)
  keys <- vapply(landmarks, format, character(1))
  surv <- setNames(lapply(landmarks, function(t) {
    i <- match(t, s$time)  # extend = FALSE drops landmarks past the last observed time
    if (is.na(i)) NA else ci(s$surv[i], s$lower[i], s$upper[i])
  }), keys)
  rev_fit <- survfit(Surv(time, 1 - event) ~ 1, data = d, conf.type = "log-log")
  rtab <- summary(rev_fit)$table
  list(
    n = nrow(d), events = sum(d$event),
    median = ci(tab[["median"]], tab[["0.95LCL"]], tab[["0.95UCL"]]),
    survival = surv,
    rmst = list(tau = tau, estimate = tab[["rmean"]], se = tab[["se(rmean)"]]),
    median_follow_up = ci(rtab[["median"]], rtab[["0.95LCL"]], rtab[["0.95UCL"]])
  )
}

z <- qnorm(0.975)
out_sets <- list()
for (name in names(datasets)) {
  cfg <- datasets[[name]]
  d <- read.csv(file.path(here, "data", paste0(name, ".csv")), stringsAsFactors = FALSE)
  arms <- list()
  for (a in c(cfg$arm, cfg$reference)) arms[[a]] <- arm_summary(d[d$arm == a, ], cfg$landmarks, cfg$tau)
  d$group <- factor(d$arm, levels = c(cfg$reference, cfg$arm))
  cox <- coxph(Surv(time, event) ~ group, data = d, ties = "efron")
  co <- summary(cox)$coefficients
  cint <- summary(cox)$conf.int
  sd <- survdiff(Surv(time, event) ~ group, data = d)
  r1 <- arms[[cfg$arm]]$rmst
  r0 <- arms[[cfg$reference]]$rmst
  dr <- r1$estimate - r0$estimate
  half <- z * sqrt(r1$se^2 + r0$se^2)
  out_sets[[name]] <- list(
    file = paste0("data/", name, ".csv"), arm = cfg$arm, reference = cfg$reference,
    landmarks = as.list(cfg$landmarks), tau = cfg$tau, arms = arms,
    cox = list(coef = co[1, "coef"], se = co[1, "se(coef)"], hr = cint[1, "exp(coef)"],
               lower = cint[1, "lower .95"], upper = cint[1, "upper .95"], p = co[1, "Pr(>|z|)"]),
    logrank = list(chisq = sd$chisq, p = pchisq(sd$chisq, df = 1, lower.tail = FALSE)),
    rmst_difference = ci(dr, dr - half, dr + half)
  )
}

binom <- lapply(list(c(53, 95), c(10, 93), c(76, 95), c(39, 93), c(0, 20), c(20, 20), c(1, 10)), function(kn) {
  ci <- binom.test(kn[1], kn[2])$conf.int
  list(k = kn[1], n = kn[2], lower = ci[1], upper = ci[2])
})

wilson <- function(k, n) prop.test(k, n, correct = FALSE)$conf.int
newcombe <- lapply(list(c(53, 95, 10, 93), c(76, 95, 39, 93), c(56, 70, 48, 80), c(5, 56, 0, 29)), function(x) {
  p1 <- x[1] / x[2]; p2 <- x[3] / x[4]
  w1 <- wilson(x[1], x[2]); w2 <- wilson(x[3], x[4])
  dd <- p1 - p2
  list(k1 = x[1], n1 = x[2], k2 = x[3], n2 = x[4], estimate = dd,
       lower = dd - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
       upper = dd + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
})

result <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  datasets = out_sets, binom = binom, newcombe = newcombe
)
writeLines(to_json(result), file.path(here, "r_survival.json"))
