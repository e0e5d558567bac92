# pressd recordings in R (recording.md), with hdf5r (Debian: r-cran-hdf5r).
#   source("R/pressd.R"); r <- pressd_read("mat0-20260921T141320Z.h5")
# Reads format_version 1 and 2. Frames come back as [N, rows, cols] in
# physical units (raw counts x conversion); event values are already in
# their row's units and are returned as they are.
suppressPackageStartupMessages(library(hdf5r))

.pd_attrs <- function(obj) {
  names <- hdf5r::list.attributes(obj)
  out <- lapply(names, function(n) hdf5r::h5attr(obj, n))
  names(out) <- names
  out
}

.pd_read_all <- function(ds) {
  # hdf5r returns HDF5's [N, rows, cols] as R's reversed dims [cols, rows, N].
  x <- ds$read()
  d <- dim(x)
  if (length(d) == 3) aperm(x, c(3, 2, 1)) else if (length(d) == 2) t(x) else x
}

pressd_read <- function(path, swmr = FALSE) {
  # swmr = TRUE reads a file while pressd records it: N is taken from
  # /frames and the other per-frame datasets are cut to it.
  # hdf5r has no SWMR open flag; a plain read-only open of a file being
  # recorded works between flushes (not yet tested against a live pressd).
  f <- hdf5r::H5File$new(path, mode = "r")
  on.exit(f$close_all())
  root <- .pd_attrs(f)
  if (!identical(root$format, "pressd-recording"))
    stop(path, ": not a pressd recording (format attribute is not pressd-recording)")
  fr <- f[["frames"]]
  conversion <- hdf5r::h5attr(fr, "conversion")
  unit <- hdf5r::h5attr(fr, "unit")
  raw <- .pd_read_all(fr)
  n <- dim(raw)[1]
  frames <- array(as.numeric(raw) * conversion, dim = dim(raw))
  cut <- function(name) if (f$exists(name)) f[[name]]$read()[seq_len(n)] else NULL
  events <- list()
  if (f$exists("events")) {
    ev <- f[["events"]]
    for (name in ev$names) {
      tab <- ev[[name]]$read()
      events[[name]] <- as.data.frame(tab, stringsAsFactors = FALSE)
    }
  }
  tare <- NULL; tare_t <- NULL
  if (f$exists("tare")) {
    tare <- .pd_read_all(f[["tare"]])
    if (length(dim(tare)) == 2) tare <- array(tare, dim = c(1, dim(tare)))  # v1: one baseline
    if (f$exists("tare_t")) tare_t <- f[["tare_t"]]$read()
  }
  list(path = path, format_version = root$format_version, attrs = root,
       frames = frames, unit = unit, conversion = conversion,
       frame_seq = cut("frame_seq"), t = cut("t"), time = cut("time"),
       encoder = cut("encoder"),
       device = .pd_attrs(f[["device"]]),
       analysis = if (f$exists("analysis")) .pd_attrs(f[["analysis"]]) else list(),
       tare = tare, tare_t = tare_t, events = events)
}
