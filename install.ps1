<#
.SYNOPSIS
Install git-credential-ppm on Windows from a release.

.DESCRIPTION
Downloads the zip for this machine's architecture and checksums.txt, checks
the zip's SHA-256 against checksums.txt, and only then writes
git-credential-ppm.exe to -Dir. The same steps as install.sh.

  irm https://github.com/posit-dev/git-credential-ppm/releases/latest/download/install.ps1 | iex
  .\install.ps1 [-Version 1.2.3] [-Dir DIR] [-BaseUrl URL]

.PARAMETER Version
Release to install, e.g. 1.2.3 (default: the latest).

.PARAMETER Dir
Where git-credential-ppm.exe goes (default: %LOCALAPPDATA%\Programs\git-credential-ppm).

.PARAMETER BaseUrl
Where the zips and checksums.txt are (default: the GitHub release of -Version, or the latest).
#>
param(
    [string]$Version = '',
    [string]$Dir = '',
    [string]$BaseUrl = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$name = 'git-credential-ppm'
$repoUrl = 'https://github.com/posit-dev/git-credential-ppm'

# Fail stops with one line. It throws rather than exits, so that a run
# through `irm … | iex` does not close the caller's PowerShell.
function Fail([string]$message) {
    throw "install.ps1: $message"
}

$Version = $Version -replace '^v', ''
if ($Version -and $Version -notmatch '^[0-9A-Za-z.+-]+$') {
    Fail "'$Version' is not a version; use one like 1.2.3"
}
if (-not $Dir) {
    if (-not $env:LOCALAPPDATA) { Fail 'LOCALAPPDATA is not set; pass -Dir DIR' }
    $Dir = Join-Path $env:LOCALAPPDATA "Programs\$name"
}
if (-not $BaseUrl) {
    if ($Version) { $BaseUrl = "$repoUrl/releases/download/v$Version" }
    else { $BaseUrl = "$repoUrl/releases/latest/download" }
}
$BaseUrl = $BaseUrl.TrimEnd('/')

# A 32-bit PowerShell on 64-bit Windows reports the machine in PROCESSOR_ARCHITEW6432.
$machine = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
switch ($machine) {
    'AMD64' { $arch = 'amd64' }
    'ARM64' { $arch = 'arm64' }
    default { Fail "there is no $name build for the architecture '$machine' (only AMD64 and ARM64); use 'go install github.com/posit-dev/git-credential-ppm@latest'" }
}

$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("$name-" + [System.Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    $sumsFile = Join-Path $tmp 'checksums.txt'
    try { Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/checksums.txt" -OutFile $sumsFile }
    catch { Fail "cannot download $BaseUrl/checksums.txt ($($_.Exception.Message)); check -Version and -BaseUrl, and your network" }

    # "<sha256>  <name>_<version>_windows_<arch>.zip"; without -Version the one for this machine names the version.
    $pattern = if ($Version) { '^' + [regex]::Escape("${name}_${Version}_windows_$arch.zip") + '$' }
               else { '^' + [regex]::Escape("${name}_") + '[^_]+' + [regex]::Escape("_windows_$arch.zip") + '$' }
    $entry = Get-Content $sumsFile | ForEach-Object {
        $fields = $_ -split '\s+', 2
        if ($fields.Count -eq 2 -and $fields[1] -match $pattern) { [pscustomobject]@{ Sum = $fields[0]; File = $fields[1] } }
    } | Select-Object -First 1
    if (-not $entry) {
        $at = if ($Version) { " at version $Version" } else { '' }
        Fail "$BaseUrl/checksums.txt lists no archive for windows/$arch$at"
    }
    $archive = $entry.File
    $Version = $archive.Substring($name.Length + 1, $archive.Length - $name.Length - 1 - "_windows_$arch.zip".Length)

    $zip = Join-Path $tmp $archive
    try { Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/$archive" -OutFile $zip }
    catch { Fail "cannot download $BaseUrl/$archive ($($_.Exception.Message))" }
    $got = (Get-FileHash -Algorithm SHA256 -Path $zip).Hash.ToLowerInvariant()
    if ($got -ne $entry.Sum.ToLowerInvariant()) {
        Fail "the SHA-256 of $archive is $got, but checksums.txt says $($entry.Sum); nothing was installed (download again, or report it)"
    }

    $unpacked = Join-Path $tmp 'x'
    Expand-Archive -Path $zip -DestinationPath $unpacked
    $exe = Join-Path $unpacked "$name.exe"
    if (-not (Test-Path -PathType Leaf $exe)) { Fail "$archive does not hold $name.exe" }

    # Verified: now, and only now, write to the target directory.
    New-Item -ItemType Directory -Force -Path $Dir | Out-Null
    $target = Join-Path $Dir "$name.exe"
    $partial = Join-Path $Dir ".$name.new.exe"
    Copy-Item -Path $exe -Destination $partial -Force
    Move-Item -Path $partial -Destination $target -Force

    Write-Output "Installed $name $Version to $target (SHA-256 checked against checksums.txt)."
    $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
    if (($env:Path -split ';') -notcontains $Dir -and ($userPath -split ';') -notcontains $Dir) {
        Write-Output "$Dir is not on your PATH; add it with:"
        Write-Output "  [Environment]::SetEnvironmentVariable('Path', `"$Dir;`" + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')"
    }
    Write-Output 'Next: git-credential-ppm setup'
}
finally {
    Remove-Item -Recurse -Force -Path $tmp -ErrorAction SilentlyContinue
}
