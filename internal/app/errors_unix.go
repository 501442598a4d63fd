package app

import "syscall"

var (
	errAddrInUse    = syscall.EADDRINUSE
	errPermission   = syscall.EACCES
	errAddrNotAvail = syscall.EADDRNOTAVAIL
)
