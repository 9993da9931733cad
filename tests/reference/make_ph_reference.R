# Reference values from R's `survival` package for tests/test_ph.py: piecewise hazard ratios
# (coxph on survSplit data), cox.zph GLOBAL tests, milestone survival differences and RMST ratios.
#
# Rerun from the repo root:  Rscript tests/reference/make_ph_reference.R   # writes tests/reference/r_ph.json
#
# Piecewise HR: survSplit(cut = cuts, episode = "tgroup") then
# coxph(Surv(tstart, time, event) ~ x:strata(tgroup)) (Efron ties, Wald CI): one HR per interval
# (0, c1], (c1, c2], ..., (c_last, Inf) with a common baseline hazard.
# Milestone difference: S_arm(t) - S_ref(t) from summary(survfit, times, extend = FALSE), CI
# estimate +/- z * sqrt(se_arm^2 + se_ref^2) with survfit's Greenwood std.err.
# RMST ratio: survmean's rmean and se.rmean (print(fit, rmean = tau)); CI exp(log ratio +/- z * se),
# se = sqrt((se1/r1)^2 + (se0/r0)^2).

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

datasets <- list(
  gbsg2 = list(arm = "yes", reference = "no", cuts = c(365, 730, 1825), landmarks = c(365, 730, 1825, 3000), tau = 1825),
  leukemia = list(arm = "mp6", reference = "placebo", cuts = c(8, 15), landmarks = c(10, 23, 30), tau = 20)
)
z <- qnorm(0.975)
num <- function(x) if (is.null(x) || is.na(x)) "null" else sprintf("%.17g", x)
obj <- function(...) {
  x <- list(...)
  paste0("{", paste0("\"", names(x), "\": ", unlist(x), collapse = ", "), "}")
}
arr <- function(items) paste0("[", paste(items, collapse = ", "), "]")

out <- c()
for (name in names(datasets)) {
  cfg <- datasets[[name]]
  d <- read.csv(file.path(here, "data", paste0(name, ".csv")), stringsAsFactors = FALSE)
  d$x <- as.numeric(d$arm == cfg$arm)
  d$id <- seq_len(nrow(d))

  split <- survSplit(Surv(time, event) ~ x + id, data = d, cut = cfg$cuts, episode = "tgroup")
  pw <- coxph(Surv(tstart, time, event) ~ x:strata(tgroup), data = split)
  est <- coef(pw); se <- sqrt(diag(pw$var))
  bounds <- c(0, cfg$cuts, Inf)
  piece <- vapply(seq_along(est), function(i) obj(
    start = num(bounds[i]), end = if (is.finite(bounds[i + 1])) num(bounds[i + 1]) else "null",
    estimate = num(exp(est[i])), lower = num(exp(est[i] - z * se[i])), upper = num(exp(est[i] + z * se[i]))),
    character(1))

  cf <- coxph(Surv(time, event) ~ x, data = d)
  zph <- cox.zph(cf, transform = "km")$table["GLOBAL", ]

  fits <- lapply(c(arm = cfg$arm, ref = cfg$reference), function(a)
    survfit(Surv(time, event) ~ 1, data = d[d$arm == a, ]))
  ms <- vapply(cfg$landmarks, function(t) {
    # extend = FALSE: no estimate past an arm's last observed time (R errors there)
    if (t > max(fits$arm$time) || t > max(fits$ref$time)) return(paste0("\"", format(t), "\": null"))
    s <- lapply(fits, function(f) summary(f, times = t, extend = FALSE))
    diff <- s$arm$surv - s$ref$surv
    half <- z * sqrt(s$arm$std.err^2 + s$ref$std.err^2)
    paste0("\"", format(t), "\": ", obj(estimate = num(diff), lower = num(diff - half), upper = num(diff + half)))
  }, character(1))

  rm <- lapply(fits, function(f) summary(f, rmean = cfg$tau)$table[c("rmean", "se(rmean)")])
  ratio <- rm$arm[[1]] / rm$ref[[1]]
  se_log <- sqrt((rm$arm[[2]] / rm$arm[[1]])^2 + (rm$ref[[2]] / rm$ref[[1]])^2)

  out <- c(out, paste0("\"", name, "\": {",
    "\"file\": \"data/", name, ".csv\", \"arm\": \"", cfg$arm, "\", \"reference\": \"", cfg$reference, "\", ",
    "\"cuts\": ", arr(vapply(cfg$cuts, num, "")), ", \"landmarks\": ", arr(vapply(cfg$landmarks, num, "")),
    ", \"tau\": ", num(cfg$tau), ",\n  \"piecewise_hr\": ", arr(piece),
    ",\n  \"ph_test\": ", obj(chisq = num(zph[["chisq"]]), df = num(zph[["df"]]), p = num(zph[["p"]])),
    ",\n  \"milestone_differences\": {", paste(ms, collapse = ", "), "}",
    ",\n  \"rmst_ratio\": ", obj(estimate = num(ratio), lower = num(ratio * exp(-z * se_log)), upper = num(ratio * exp(z * se_log))),
    "}"))
}
writeLines(c("{", paste0("\"survival_version\": \"", packageVersion("survival"), "\","),
             paste0("\"datasets\": {", paste(out, collapse = ",\n"), "}"), "}"),
           file.path(here, "r_ph.json"))
