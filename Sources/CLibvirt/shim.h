// The libvirt C API as one Clang module for Swift.
//
// libvirt.h covers connections, domains, networks, storage, streams and events;
// libvirt-qemu.h adds virDomainQemuAgentCommand (the QEMU guest agent), which lives
// in the separate libvirt-qemu library; virterror.h is the error API.
#ifndef KINVM_CLIBVIRT_SHIM_H
#define KINVM_CLIBVIRT_SHIM_H
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

// virConnectAuthPtrDefault is a mutable C global, which Swift 6 refuses to read from concurrent
// code. libvirt only writes it at load time, so reading it through a function is safe.
static inline virConnectAuthPtr kinvm_virConnectAuthPtrDefault(void) {
    return virConnectAuthPtrDefault;
}
#endif
