#!/usr/bin/env Rscript
# KM figures drawn by R's own renderers from real IPD, for `python benchmarks/digitize.py --figures DIR`:
# survminer ggsurvplot, base graphics plot(survfit) and plain ggplot2 geom_step, in several realistic
# variants (palettes, line styles, censor marks, shaded bands, themes, sizes, PNG and JPEG).
#
# Needs R with survival, ggplot2, survminer and jsonlite; not part of `make report` or `make test`.
#
#   Rscript benchmarks/r_figures/make_figures.R OUT_DIR            # the benchmark set
#   Rscript benchmarks/r_figures/make_figures.R OUT_DIR --fixtures # the few figures in tests/data/r_figures
#
# Per figure it writes FIG.png or FIG.jpg and FIG.json: what a reader types (x and y ticks as
# START:END:STEP, each arm's name, colour as R drew it, and line style), the renderer and style, the
# size, and the path of the true IPD (ipd/<data set>.csv: arm,time,event). The ticks declared are
# the ones R printed: they are read back from the built ggplot, and set explicitly in base graphics.
# Data: survival's lung (by sex) and veteran (by treatment; by cell type, four arms) and kmdata sets
# from data/kmdata/ipd.csv.gz (vendored from the kmdata R package, MIT licence).

suppressPackageStartupMessages({
  library(survival)
  library(ggplot2)
  library(survminer)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: make_figures.R OUT_DIR [--fixtures]")
out <- args[1]
fixtures <- "--fixtures" %in% args
script_dir <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))))
kmdata_file <- file.path(script_dir, "..", "..", "data", "kmdata", "ipd.csv.gz")
dir.create(file.path(out, "ipd"), recursive = TRUE, showWarnings = FALSE)

# two-arm kmdata sets: 14 spread over the sorted names, the smallest (67 patients) and the largest (5318)
KMDATA <- c("ACT1_2A", "AURA3_1A", "CALGB40502_2B", "Checkmate017_1", "ENESTg1_2A", "GETUG16_2",
            "JFMC33-0502_2B", "MAINSAIL_2B", "NCT00337103_2B", "NSABPR04_3B", "PROCLAIM_2A", "ROSE_2A",
            "TH3RESA_2A", "X2005B3030_2B", "ACT2_2B", "EORTC22881_2")

datasets <- function() {
  sets <- list()
  sets[["lung by sex"]] <- data.frame(arm = ifelse(lung$sex == 1, "Male", "Female"), time = lung$time,
                                      event = as.integer(lung$status == 2))
  sets[["veteran by treatment"]] <- data.frame(arm = ifelse(veteran$trt == 1, "standard", "test"),
                                               time = veteran$time, event = veteran$status)
  ipd <- read.csv(gzfile(kmdata_file), stringsAsFactors = FALSE)
  for (name in KMDATA) {
    d <- ipd[ipd$dataset == name, ]
    sets[[paste("kmdata", name)]] <- data.frame(arm = d$arm, time = d$time, event = d$event)
  }
  sets
}

four_arms <- function() {
  data.frame(arm = as.character(veteran$celltype), time = veteran$time, event = veteran$status)
}

hex <- function(colours) {
  m <- col2rgb(colours)
  sprintf("#%02x%02x%02x", m[1, ], m[2, ], m[3, ])
}

# variant: renderer, drawing options, and the device (size in px, dpi, format)
variant <- function(renderer, width, height, dpi, format = "png", palette = NULL, lty = NULL, ...) {
  list(renderer = renderer, width = width, height = height, dpi = dpi, format = format,
       palette = palette, lty = lty, options = list(...))
}

VARIANTS <- list(
  "survminer default" = variant("survminer", 1000, 800, 120),
  "survminer hex palette, 300 dpi" = variant("survminer", 2000, 1500, 300, palette = c("#E7B800", "#2E9FDF")),
  "survminer percent, JPEG q75" = variant("survminer", 1000, 800, 120, "jpeg",
                                          palette = c("#D55E00", "#0072B2"), percent = TRUE),
  "survminer conf.int bands" = variant("survminer", 1000, 800, 120, conf.int = TRUE),
  "base red/blue, 600x420 72 dpi" = variant("base", 600, 420, 72, palette = c("red", "blue")),
  "base black solid/dashed" = variant("base", 1000, 800, 120, palette = c("black", "black"), lty = c(1, 2)),
  "base hex, JPEG q70 96 dpi" = variant("base", 800, 600, 96, "jpeg", palette = c("#1B9E77", "#D95F02")),
  "ggplot theme_grey" = variant("ggplot", 1000, 800, 120, theme = "grey"),
  "ggplot theme_bw + marks, 600x420 96 dpi" = variant("ggplot", 600, 420, 96, palette = c("#1B9E77", "#7570B3"),
                                                      theme = "bw", marks = 3),
  "ggplot theme_classic | marks, 300 dpi" = variant("ggplot", 2000, 1500, 300, theme = "classic", marks = 124),
  "ggplot classic black solid/dashed, JPEG" = variant("ggplot", 1000, 800, 120, "jpeg", palette = c("black", "black"),
                                                     lty = c(1, 2), theme = "classic")
)

FOUR_ARM_VARIANTS <- list(
  "four arms survminer" = variant("survminer", 1000, 800, 120),
  "four arms base" = variant("base", 1000, 800, 120, palette = c("black", "#DF536B", "#61D04F", "#2297E6")),
  "four arms ggplot theme_grey" = variant("ggplot", 1000, 800, 120, theme = "grey")
)

FIXTURES <- list(  # tests/data/r_figures: one per hard case met in the benchmark, small files
  c("lung by sex", "survminer conf.int bands"),
  c("veteran by treatment", "survminer hex palette, 300 dpi"),
  c("veteran by treatment", "base red/blue, 600x420 72 dpi"),
  c("lung by sex", "base hex, JPEG q70 96 dpi"),
  c("lung by sex", "base black solid/dashed"),
  c("kmdata ACT1_2A", "base black solid/dashed"),
  c("kmdata GETUG16_2", "base black solid/dashed"),
  c("kmdata TH3RESA_2A", "base black solid/dashed"),
  c("kmdata ACT2_2B", "base black solid/dashed"),
  c("lung by sex", "ggplot theme_bw + marks, 600x420 96 dpi"),
  c("veteran by treatment", "ggplot theme_bw + marks, 600x420 96 dpi"),
  c("kmdata NCT00337103_2B", "survminer percent, JPEG q75"),
  c("kmdata EORTC22881_2", "survminer hex palette, 300 dpi"),
  c("kmdata NCT00337103_2B", "ggplot classic black solid/dashed, JPEG"),
  c("veteran by treatment", "base black solid/dashed"),
  c("veteran by cell type", "four arms survminer"),
  c("kmdata ROSE_2A", "survminer conf.int bands"),
  c("veteran by cell type", "four arms ggplot theme_grey"),
  c("kmdata NSABPR04_3B", "ggplot theme_bw + marks, 600x420 96 dpi"),
  c("kmdata JFMC33-0502_2B", "survminer hex palette, 300 dpi"),
  c("kmdata JFMC33-0502_2B", "ggplot theme_classic | marks, 300 dpi"),
  c("kmdata TH3RESA_2A", "ggplot theme_bw + marks, 600x420 96 dpi")
)

x_breaks <- function(time) {
  b <- pretty(c(0, max(time)))
  b[b >= 0]
}

open_device <- function(path, v) {
  if (v$format == "png") {
    png(path, width = v$width, height = v$height, res = v$dpi, type = "cairo")
  } else {
    jpeg(path, width = v$width, height = v$height, res = v$dpi, quality = ifelse(v$renderer == "base", 70, 75),
         type = "cairo")
  }
}

printed_breaks <- function(plot) {
  params <- ggplot_build(plot)$layout$panel_params[[1]]
  list(x = na.omit(params$x$get_breaks()), y = na.omit(params$y$get_breaks()))
}

draw_survminer <- function(d, v, colours, xb) {
  fit <- surv_fit(Surv(time, event) ~ arm, data = d)
  percent <- isTRUE(v$options$percent)
  p <- ggsurvplot(fit, data = d, risk.table = TRUE, palette = colours, legend.labs = sort(unique(d$arm)),
                  conf.int = isTRUE(v$options$conf.int), xlim = range(xb), break.time.by = diff(xb)[1],
                  surv.scale = ifelse(percent, "percent", "default"), ggtheme = theme_survminer())
  print(p)
  b <- printed_breaks(p$plot)
  if (percent) b$y <- 100 * b$y
  b
}

draw_base <- function(d, v, colours, xb) {
  fit <- survfit(Surv(time, event) ~ arm, data = d)
  lty <- if (is.null(v$lty)) 1 else v$lty
  plot(fit, col = colours, lty = lty, mark.time = TRUE, las = 1, xlim = range(xb), xaxt = "n",
       xlab = "Time", ylab = "Survival probability")
  axis(1, at = xb)
  legend("topright", legend = sort(unique(d$arm)), col = colours, lty = lty, bty = "n")
  list(x = xb, y = seq(0, 1, 0.2))  # plot.survfit's y axis: pretty(0:1)
}

km_steps <- function(d) {
  steps <- list()
  marks <- list()
  for (a in sort(unique(d$arm))) {
    s <- summary(survfit(Surv(time, event) ~ 1, data = d[d$arm == a, ]), censored = TRUE)
    steps[[a]] <- data.frame(arm = a, time = c(0, s$time), surv = c(1, s$surv))
    marks[[a]] <- data.frame(arm = a, time = s$time[s$n.censor > 0], surv = s$surv[s$n.censor > 0])
  }
  list(steps = do.call(rbind, steps), marks = do.call(rbind, marks))
}

draw_ggplot <- function(d, v, colours, xb) {
  km <- km_steps(d)
  p <- ggplot(km$steps, aes(time, surv, colour = arm, linetype = arm)) + geom_step() +
    scale_colour_manual(values = colours) + scale_linetype_manual(values = if (is.null(v$lty)) c(1, 1, 1, 1) else v$lty) +
    scale_x_continuous(breaks = xb, limits = range(xb)) +
    scale_y_continuous(breaks = seq(0, 1, 0.25), limits = c(0, 1)) +
    labs(x = "Time", y = "Survival probability", colour = NULL, linetype = NULL)
  if (!is.null(v$options$marks)) p <- p + geom_point(data = km$marks, shape = v$options$marks, size = 2)
  p <- p + switch(v$options$theme, grey = theme_grey(), bw = theme_bw(), classic = theme_classic())
  print(p)
  printed_breaks(p)
}

ticks_text <- function(b) {
  b <- sort(b)
  sprintf("%s:%s:%s", format(min(b)), format(max(b)), format(signif(diff(b)[1], 10)))
}

draw <- function(set_name, d, style, v) {
  arms <- sort(unique(d$arm))
  colours <- if (is.null(v$palette)) scales::hue_pal()(length(arms)) else v$palette
  lty <- if (is.null(v$lty)) rep(1, length(arms)) else v$lty
  xb <- x_breaks(d$time)
  id <- gsub("[^A-Za-z0-9]+", "_", paste(set_name, style))
  image <- paste0(id, ifelse(v$format == "png", ".png", ".jpg"))
  open_device(file.path(out, image), v)
  printed <- switch(v$renderer, survminer = draw_survminer(d, v, colours, xb), base = draw_base(d, v, colours, xb),
                    ggplot = draw_ggplot(d, v, colours, xb))
  dev.off()
  if (!isTRUE(all.equal(sort(printed$x), xb))) stop(id, ": R printed x ticks ", toString(printed$x))
  ipd <- file.path("ipd", paste0(gsub("[^A-Za-z0-9]+", "_", set_name), ".csv"))
  write.csv(d, file.path(out, ipd), row.names = FALSE)
  meta <- list(image = image, ipd = ipd, dataset = set_name, style = style, renderer = v$renderer,
               width = v$width, height = v$height, dpi = v$dpi, format = v$format,
               x_ticks = ticks_text(printed$x), y_ticks = ticks_text(printed$y),
               arms = lapply(seq_along(arms), function(k) list(name = arms[k], colour = hex(colours[k]),
                                                               style = c("solid", "dashed")[lty[k]])))
  write_json(meta, file.path(out, paste0(id, ".json")), auto_unbox = TRUE, pretty = TRUE)
}

set.seed(1)
sets <- datasets()
skipped <- function(set_name, style) fixtures && !any(vapply(FIXTURES, function(f) identical(f, c(set_name, style)), TRUE))
for (style in names(VARIANTS)) {
  for (set_name in names(sets)) {
    if (skipped(set_name, style)) next
    draw(set_name, sets[[set_name]], style, VARIANTS[[style]])
  }
}
for (style in names(FOUR_ARM_VARIANTS)) {
  if (skipped("veteran by cell type", style)) next
  draw("veteran by cell type", four_arms(), style, FOUR_ARM_VARIANTS[[style]])
}
