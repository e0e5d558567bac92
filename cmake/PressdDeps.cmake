# Every external library pressd uses, found through pkg-config. A missing one
# stops configure with the Debian package that provides it, so a new user
# knows exactly what to install (scripts/install-deps does it for them).
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

function(pressd_require target module debian_pkg)
  pkg_check_modules(${target} IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${debian_pkg}")
  endif()
endfunction()

pressd_require(SERIALPORT libserialport libserialport-dev)  # real serial ports, USB enumeration
pressd_require(ZLIB       zlib          zlib1g-dev)         # crc32() for pmf packets
pressd_require(INIH       inih          libinih-dev)        # the INI config file
pressd_require(ZMQ        libzmq        libzmq3-dev)        # event stream and control socket
pressd_require(JANSSON    jansson       libjansson-dev)     # JSON for events and control
pressd_require(HDF5       hdf5          libhdf5-dev)        # recordings
pressd_require(SYSTEMD    libsystemd    libsystemd-dev)     # sd_notify: READY, WATCHDOG, STATUS
pressd_require(CAIRO      cairo         libcairo2-dev)      # pressctl report: PDF, SVG and PNG pages
pressd_require(CAIRO_PDF  cairo-pdf     libcairo2-dev)
pressd_require(CAIRO_SVG  cairo-svg     libcairo2-dev)
pressd_require(PANGOCAIRO pangocairo    libpango1.0-dev)    # pressctl report: text layout on those pages
pressd_require(FONTCONFIG fontconfig    libfontconfig-dev)  # pressctl report: its font caches freed at exit (FcFini)

if(PRESSD_TESTS)
  pressd_require(CMOCKA cmocka libcmocka-dev)               # unit tests
endif()
