# pressd recordings in R (docs/recording.md), with hdf5r (Debian: r-cran-hdf5r).
#   source("R/pressd.R"); r <- pressd_read("mat0-20260921T141320Z.h5")
#   p <- pressd_to_pressure(r)   # the list the CRAN package pressuRe works on
# Reads format_version 1 and 2 and returns the same shapes for both; see
# R/README.md for every element.
suppressPackageStartupMessages(library(hdf5r))

# 64-bit integers (the events' seq) always as double: one column type
# whatever the values, instead of int for small ones and bit64 for large.
.pd_flags <- hdf5r::h5const$H5TOR_CONV_INT64_FLOAT_FORCE

.pd_attrs <- function(obj) {
  names <- hdf5r::list.attributes(obj)
  out <- lapply(names, function(n) hdf5r::h5attr(obj, n))
  names(out) <- names
  out
}

# hdf5r hands an HDF5 [N, rows, cols] back reversed, as [cols, rows, N], and
# drops a roller's rows = 1 unless drop = FALSE: read it whole, turn it round.
.pd_array <- function(ds) {
  x <- ds$read(drop = FALSE)
  if (length(dim(x)) > 1) aperm(x, rev(seq_along(dim(x)))) else as.vector(x)
}

# A compound table as a data frame, one row per event, strings as character.
# hdf5r flattens an array field (v1's pulse `durations`) into one vector
# M x width long inside the M-row frame: it comes out as an M-row matrix
# in attr "arrays", and the frame keeps only the scalar fields.
.pd_table <- function(ds) {
  m <- ds$dims
  cols <- as.list(ds$read(flags = .pd_flags))
  # hdf5r gives a uint64 column as int when every value fits (always when
  # empty), else as double: seq as double whatever it holds.
  big <- vapply(ds$get_type()$get_cpd_types(), function(t) inherits(t, "H5T_INTEGER") && t$get_size() == 8, NA)
  cols[big] <- lapply(cols[big], as.numeric)
  wide <- vapply(cols, function(v) is.matrix(v) || length(v) != m, NA)
  df <- data.frame(cols[!wide], stringsAsFactors = FALSE, check.names = FALSE)
  if (any(wide)) attr(df, "arrays") <- lapply(cols[wide], function(v) {
    if (is.matrix(v) && ncol(v) == m && nrow(v) != m) t(v) else matrix(v, nrow = m)
  })
  df
}

# v1 pulses carry `durations` (64 float64, NaN-padded, `count` real ones):
# the same long table as v2's /events/pulse_durations.
.pd_durations_long <- function(pulses, d) {
  rows <- lapply(seq_len(nrow(pulses)), function(i) {
    k <- seq_len(min(pulses$count[i], ncol(d)))
    k <- k[!is.na(d[i, k])]
    data.frame(pulse_id = rep(pulses$id[i], length(k)), index = k - 1L, duration = d[i, k])
  })
  empty <- data.frame(pulse_id = integer(0), index = integer(0), duration = numeric(0))
  do.call(rbind, c(list(empty), rows))
}

.pd_open <- function(path, swmr) {
  if (!file.exists(path)) stop(path, ": no such file", call. = FALSE)
  if (!swmr) {
    # A file pressd is writing refuses a plain open ("already open for write").
    return(tryCatch(hdf5r::H5File$new(path, mode = "r"), error = function(e)
      stop(path, ": cannot open it as HDF5 (if pressd is still recording it, use swmr = TRUE)", call. = FALSE)))
  }
  # HDF5 has SWMR reading only as an H5Fopen flag, not as a file-access
  # property, and hdf5r's exported H5File$new has no way to pass it. So this
  # calls hdf5r's own registered C wrapper of H5Fopen (an INTERNAL of hdf5r
  # 1.3.8, the one H5File.open uses) with H5F_ACC_SWMR_READ (= read-only |
  # SWMR read), then wraps the id with the exported H5File$new(id = ).
  fid <- .Call("R_H5Fopen", normalizePath(path, mustWork = TRUE), hdf5r::h5const$H5F_ACC_SWMR_READ,
               hdf5r::h5const$H5P_DEFAULT$id, PACKAGE = "hdf5r")$return_val
  if (fid < 0) stop(path, ": cannot open it for SWMR reading", call. = FALSE)
  hdf5r::H5File$new(id = fid)
}

# /frames conversion: float64, the decimal itself; an older file's float32
# (0.100000001) is taken as the decimal it stands for (0.1), as pressd's
# own reader does: the fewest significant digits that give the same float32.
.pd_conversion <- function(fr) {
  a <- fr$attr_open("conversion")
  on.exit(a$close())
  x <- as.numeric(a$read())
  if (a$get_type()$get_size() != 4 || !is.finite(x) || x == 0) return(x)
  half_ulp <- 2^(floor(log2(abs(x))) - 24)               # float32: 24 significant bits
  for (d in 1:9) {
    y <- signif(x, d)
    if (abs(y - x) <= half_ulp) return(y)
  }
  x
}

#' Read a pressd recording
#'
#' @param path An HDF5 file pressd wrote (format_version 1 or 2).
#' @param swmr TRUE to read a file pressd is still recording (HDF5 SWMR):
#'   you see what it had flushed when the file was opened (at most about a
#'   second old); call again for more.
#' @return A list: frames [N, rows, cols] in physical units (raw counts x
#'   conversion, no tare), t, time, frame_seq, encoder (roller), device,
#'   analysis, attrs (the root's), tare [K, rows, cols] in counts and tare_t,
#'   gaps and events (a data frame per table); see R/README.md.
pressd_read <- function(path, swmr = FALSE) {
  f <- .pd_open(path, swmr)
  on.exit(f$close_all())
  root <- .pd_attrs(f)
  if (!identical(root$format, "pressd-recording"))
    stop(path, ": not a pressd recording (format attribute is not pressd-recording)")
  fr <- f[["frames"]]
  conversion <- .pd_conversion(fr)
  raw <- .pd_array(fr)
  rows <- dim(raw)[2]; cols <- dim(raw)[3]
  per_frame <- lapply(c(frame_seq = "frame_seq", t = "t", time = "time", encoder = "encoder"),
                      function(name) if (f$exists(name)) as.vector(f[[name]]$read()) else NULL)
  # N is /frames' length. A live file caught between two datasets' flushes
  # may have a shorter /t: then everything is cut to the shortest, so that
  # row i of every per-frame dataset is the same frame.
  n <- min(dim(raw)[1], lengths(Filter(Negate(is.null), per_frame)))
  per_frame <- lapply(per_frame, function(x) if (is.null(x)) NULL else x[seq_len(n)])
  frames <- array(as.numeric(raw[seq_len(n), , , drop = FALSE]) * conversion, dim = c(n, rows, cols))

  events <- list()
  if (f$exists("events"))
    for (name in f[["events"]]$names) events[[name]] <- .pd_table(f[["events"]][[name]])
  if (!is.null(events$pulses) && "durations" %in% names(attr(events$pulses, "arrays")))
    events$pulse_durations <- .pd_durations_long(events$pulses, attr(events$pulses, "arrays")$durations)
  if (is.null(events$pulse_durations))  # no pulses table at all: still the 0-row table
    events$pulse_durations <- .pd_durations_long(data.frame(), matrix(0, 0, 0))
  if (is.null(events$settings))  # v1 files have none
    events$settings <- data.frame(t = numeric(0), frame = integer(0), key = character(0),
                                  value = character(0), stringsAsFactors = FALSE)
  for (name in names(events)) attr(events[[name]], "arrays") <- NULL

  # The tare as [K, rows, cols] with tare_t for both versions: v1 has one
  # baseline of unknown start (K = 1, tare_t NA) or none (K = 0).
  tare <- array(numeric(0), dim = c(0, rows, cols)); tare_t <- numeric(0)
  if (f$exists("tare")) {
    tare <- .pd_array(f[["tare"]])
    if (length(dim(tare)) < 3) { tare <- array(tare, dim = c(1, rows, cols)); tare_t <- NA_real_ }
    if (f$exists("tare_t")) tare_t <- as.vector(f[["tare_t"]]$read())
  }
  c(list(path = path, format_version = root$format_version, attrs = root,
         device = .pd_attrs(f[["device"]]),
         analysis = if (f$exists("analysis")) .pd_attrs(f[["analysis"]]) else list(),
         frames = frames, unit = hdf5r::h5attr(fr, "unit"), conversion = conversion),
    per_frame,
    list(tare = tare, tare_t = tare_t,
         gaps = if (f$exists("gaps")) .pd_table(f[["gaps"]]) else NULL,
         events = events))
}

# A threshold as the config writes it: "N%" of the device's full scale (in
# counts, so x conversion), or a plain number already in the file's unit.
.pd_threshold <- function(v, full_scale, conversion) {
  if (is.character(v) && grepl("%$", v)) as.numeric(sub("%$", "", v)) / 100 * full_scale * conversion
  else as.numeric(v)
}

#' Convert a recording to the list the R package pressuRe works on
#'
#' Modelled on pressuRe 0.2.4 (CRAN, 2024; the 2-D layout of load_emed() and
#' load_xsensor() in Telfer/pressuRe's R/pressuRe_functions.R; pressuRe 0.1
#' had a 3-D array and sens_size c(width, height) instead). pressuRe is not
#' a dependency and was not available to test against. It indexes the list by
#' position, so the order matters: pressure_array (frames x active sensors,
#' kPa), pressure_system, sens_size (each sensor's area, m^2), time (s between
#' frames), masks, events, sens_polygons (x, y in m, id), max_matrix.
#'
#' @param r What pressd_read() returned.
#' @param allow_counts An uncalibrated file (unit "counts") stops with an
#'   error, as pressuRe's forces and pressures would be wrong by an unknown
#'   factor; TRUE keeps counts, with a warning.
#' @param pressure_system pressuRe's [[2]]; some pressuRe functions only
#'   accept their own systems' names ("emed" for plates).
#' @param noise_floor NULL (the default): every reading above 0 is kept.
#'   Else readings below it are set to 0: a number in the file's unit,
#'   "N%" of the device's full scale (of an imported file: its largest
#'   value, so a different floor in each file), or "analysis" for the
#'   file's /analysis noise, as pressd's analysis applies it.
#' @return The pressuRe list. Each frame has the baseline in force at its t
#'   taken off (clamped at 0); sensors that never rise above 0 are left out,
#'   as pressuRe's loaders do.
pressd_to_pressure <- function(r, allow_counts = FALSE, pressure_system = "pressd", noise_floor = NULL) {
  dev <- r$device
  n <- dim(r$frames)[1]; rows <- dim(r$frames)[2]; cols <- dim(r$frames)[3]
  p <- r$frames
  K <- dim(r$tare)[1]
  if (K > 0) {
    k <- if (all(is.na(r$tare_t))) rep(1L, n) else findInterval(r$t, r$tare_t)
    for (j in setdiff(unique(k), 0)) {
      at <- which(k == j)
      base <- array(r$tare[j, , , drop = FALSE], c(rows, cols)) * r$conversion
      p[at, , ] <- sweep(p[at, , , drop = FALSE], c(2, 3), base)
    }
  }
  p[p < 0] <- 0
  if (!is.null(noise_floor)) {
    if (identical(noise_floor, "analysis"))
      noise_floor <- if (is.null(r$analysis$noise)) "1%" else r$analysis$noise
    p[p < .pd_threshold(noise_floor, dev$full_scale, r$conversion)] <- 0
  }
  w <- dev$pitch_x_mm / 1000; h <- dev$pitch_y_mm / 1000   # pressuRe works in m
  p <- switch(r$unit,
    kPa = p,
    mmHg = p * 0.133322387415,
    N = p / (w * h) / 1000,                  # a cell's force over its area
    counts = if (allow_counts) {
      warning(r$path, ": /frames is in counts, not kPa: pressuRe's pressures and forces will be in counts")
      p
    } else stop(r$path, ": /frames is in counts (an uncalibrated device), pressuRe needs kPa; ",
                "calibrate, or pass allow_counts = TRUE to keep counts", call. = FALSE),
    stop(r$path, ": unit ", r$unit, " has no conversion to kPa", call. = FALSE))

  # pressuRe's layout: one column per active sensor, in R's column-major
  # order of the [rows, cols] image, row 1 drawn at the top (largest y).
  m <- matrix(p, nrow = n)
  max_matrix <- matrix(if (n > 0) apply(m, 2, max) else 0, rows, cols)
  active <- which(max_matrix > 0)
  i <- (active - 1) %% rows + 1; j <- (active - 1) %/% rows + 1
  x0 <- (j - 1) * w; y0 <- (rows - i) * h
  sens_polygons <- data.frame(x = as.vector(rbind(x0, x0 + w, x0 + w, x0, x0)),       # TL TR BR BL TL
                              y = as.vector(rbind(y0 + h, y0 + h, y0, y0, y0 + h)),
                              id = rep(seq_along(active), each = 5))
  list(pressure_array = m[, active, drop = FALSE], pressure_system = pressure_system,
       sens_size = rep(w * h, length(active)),
       time = if (n >= 2) stats::median(diff(r$t)) else 1 / dev$rate_hz,
       masks = NULL, events = NULL, sens_polygons = sens_polygons, max_matrix = max_matrix)
}
