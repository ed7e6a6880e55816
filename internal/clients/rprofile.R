# >>> git-credential-ppm >>>
# Package Manager tokens for R, written by `git-credential-ppm setup` and
# taken out by `git-credential-ppm setup --remove`: keep your own lines
# outside these markers.
local(tryCatch({
  bin <- "@BIN@"
  say <- function(...) message("git-credential-ppm: ", ...)
  if (!file.exists(bin)) {
    say(bin, " is missing, so R gets no Package Manager token; reinstall it, or remove this block from your .Rprofile")
    return(invisible())
  }
  # The token goes into a netrc file in R's private temporary directory,
  # written by the binary (which finds the addresses and renews the token),
  # never into a URL, an option or a command line.
  netrc <- file.path(tempdir(), "git-credential-ppm.netrc")
  st <- new.env(parent = emptyenv())
  st$renew <- -Inf
  st$failed <- FALSE
  st$rows <- list()
  refresh <- function() {
    err <- tempfile("git-credential-ppm-")
    was <- Sys.getenv("PPM_CREDENTIAL_INTERACTIVE", unset = NA)
    on.exit({
      unlink(err)
      if (is.na(was)) Sys.unsetenv("PPM_CREDENTIAL_INTERACTIVE") else Sys.setenv(PPM_CREDENTIAL_INTERACTIVE = was)
    })
    # R must not wait on a browser at start-up or between two commands:
    # a person signs in with `git-credential-ppm login`.
    Sys.setenv(PPM_CREDENTIAL_INTERACTIVE = "never")
    out <- tryCatch(suppressWarnings(system2(bin, c("netrc", shQuote(netrc)), stdout = TRUE, stderr = err, timeout = 60)),
                    error = function(e) structure(character(), status = 127L))
    status <- attr(out, "status")
    ok <- is.null(status) || identical(as.integer(status), 0L)
    rows <- strsplit(grep("^[^#]", out, value = TRUE), " ", fixed = TRUE)
    st$rows <- rows[lengths(rows) == 4L]
    at <- vapply(st$rows, function(r) {
      if (r[[4L]] == "never") Inf else as.numeric(as.POSIXct(r[[4L]], format = "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"))
    }, 0)
    now <- as.numeric(Sys.time())
    nxt <- suppressWarnings(min(c(at, Inf), na.rm = TRUE))
    if (!ok) nxt <- min(nxt, now + 30)
    st$renew <- if (nxt > now) nxt else now + 30
    if (!ok && !st$failed) {
      why <- if (file.exists(err)) readLines(err, warn = FALSE) else character()
      message(paste(c(why, "git-credential-ppm: R goes on without that token and tries again before your next command"),
                    collapse = "\n"))
    }
    st$failed <- !ok
    # A netrc entry names a host, not a scheme: a plain http:// repository on
    # that host would get the token in clear.
    repos <- tolower(getOption("repos"))
    for (r in st$rows) {
      plain <- paste0("http://", r[[2L]])
      if (startsWith(r[[1L]], "https://") && any(repos == plain | startsWith(repos, paste0(plain, c("/", ":"))))) {
        say("a repository in getOption(\"repos\") is http://", r[[2L]], ", which would carry the token in clear; use https://")
      }
    }
    invisible(ok)
  }
  refresh()

  options(netrc = netrc) # R 4.6 and later (libcurl), and the curl package from 7.0
  Sys.setenv(R_DEFAULT_NETRC = netrc) # R processes started from this one
  v <- getRversion()
  if (v < "4.6.0") {
    if (v >= "4.5.0" && v < "4.5.2") {
      say("R ", v, " fetches package files with libcurl whatever download.file.method says, so install.packages sends no token; use R 4.5.2 or later (remotes and renv still send it)")
    }
    if (!nzchar(Sys.which("curl"))) {
      say("curl is not on PATH, so R cannot send the Package Manager token; install curl and restart R")
    } else {
      # R before 4.6 reads no netrc: its curl method does. On Unix the shell
      # that runs curl has the binary write the file anew first, so a
      # download after hours of idling still gets a fresh token.
      file <- shQuote(netrc)
      if (.Platform$OS.type == "unix") {
        file <- paste0("\"$(PPM_CREDENTIAL_INTERACTIVE=never ", shQuote(bin), " netrc ", shQuote(netrc),
                       " >/dev/null 2>&1; printf %s ", shQuote(netrc), ")\"")
      }
      flag <- paste("--fail --netrc-file", file)
      extra <- paste(getOption("download.file.extra"), collapse = " ")
      if (!grepl(flag, extra, fixed = TRUE)) extra <- trimws(paste(extra, flag))
      options(download.file.method = "curl", download.file.extra = extra) # one string: renv needs it so
    }
  }

  # renv (default downloader and its own curl calls) asks this function for
  # the headers of each URL: Basic __token__ for the configured addresses
  # only, read from the netrc file at that moment.
  b64 <- function(s) {
    x <- as.integer(charToRaw(s))
    pad <- (3L - length(x) %% 3L) %% 3L
    x <- c(x, integer(pad))
    v <- x[c(TRUE, FALSE, FALSE)] * 65536 + x[c(FALSE, TRUE, FALSE)] * 256 + x[c(FALSE, FALSE, TRUE)]
    i <- rbind(v %/% 262144, v %/% 4096 %% 64, v %/% 64 %% 64, v %% 64) + 1
    out <- strsplit("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "")[[1L]][i]
    if (pad) out[length(out) - seq_len(pad) + 1L] <- "="
    paste(out, collapse = "")
  }
  token_for <- function(url) {
    m <- regmatches(url, regexec("^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#@]*)([^?#]*)", url))[[1L]]
    if (length(m) != 4L) return(NULL)
    scheme <- tolower(m[[2L]])
    host <- sub(switch(scheme, https = ":443$", http = ":80$", "^:$"), "", tolower(m[[3L]]))
    u <- paste0(scheme, "://", host, m[[4L]])
    for (r in st$rows) {
      if (u == r[[1L]] || startsWith(u, paste0(r[[1L]], "/"))) {
        lines <- strsplit(tryCatch(readLines(netrc, warn = FALSE), error = function(e) character()), " ", fixed = TRUE)
        for (l in lines) if (length(l) == 6L && l[[2L]] == r[[2L]]) return(l[[6L]])
        return(NULL)
      }
    }
    NULL
  }
  prev <- getOption("renv.download.headers")
  if (is.function(prev) && !is.null(attr(prev, "git-credential-ppm"))) prev <- attr(prev, "git-credential-ppm")[[1L]]
  headers <- function(url) {
    h <- if (is.function(prev)) unlist(prev(url)) else character()
    if (any(tolower(names(h)) == "authorization")) return(h)
    if (as.numeric(Sys.time()) >= st$renew) refresh()
    tok <- token_for(url)
    if (is.null(tok)) return(h)
    c(h, Authorization = paste("Basic", b64(paste0("__token__:", tok))))
  }
  attr(headers, "git-credential-ppm") <- list(prev)
  options(renv.download.headers = headers)

  # Before the next command, once the token nears its end (or an address
  # had none), the file is written anew.
  if ("git-credential-ppm" %in% getTaskCallbackNames()) removeTaskCallback("git-credential-ppm")
  addTaskCallback(function(...) {
    if (as.numeric(Sys.time()) >= st$renew) tryCatch(refresh(), error = function(e) NULL)
    TRUE
  }, name = "git-credential-ppm")
  invisible()
}, error = function(e) {
  message("git-credential-ppm: the .Rprofile block failed (", conditionMessage(e), "); R starts without the Package Manager token")
}))
# <<< git-credential-ppm <<<
