// The libxml2 C API as one Clang module for Swift.
//
// parser.h and tree.h parse and edit documents, xmlsave.h serializes them, xpath.h and
// xpathInternals.h evaluate XPath, relaxng.h compiles and runs RelaxNG schemas, xmlerror.h
// and globals.h are the error API.
#ifndef KINVM_CLIBXML2_SHIM_H
#define KINVM_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU, so libxml/encoding.h includes the system's <unicode/ucnv.h>.
// Foundation on Linux carries its own copy of ICU's headers (module _FoundationICU) with different
// definitions, and a Swift file importing both Foundation and a module that loads these headers
// fails to compile ("'UErrorCode' has different definitions in different modules"). Hiding ICU
// only drops two trailing pointer fields of xmlCharEncodingHandler (uconv_in, uconv_out), a struct
// the binding only ever handles through pointers libxml2 gives it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>

// xmlFree is a global variable holding a function pointer (libxml2 lets programs swap allocators),
// which Swift imports as a mutable global it refuses to read from concurrent code. Calling it from
// C sidesteps that and always uses the allocator libxml2 was configured with.
static inline void kinvm_xmlFree(void *pointer) {
    xmlFree(pointer);
}

// libxml2's generic error handler is variadic (printf-like), which Swift cannot implement, and
// passing NULL to xmlSetGenericErrorFunc restores the default handler that prints to stderr. This
// handler drops the message; every error the binding reports comes from the structured handler.
static inline void kinvm_xmlDiscardGenericError(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

// The error handlers of the calling thread. With thread support, xmlStructuredError and friends are
// macros over per-thread storage (__xmlStructuredError() ...), which Swift cannot import.
typedef struct {
    xmlStructuredErrorFunc structured;
    void *structuredContext;
    xmlGenericErrorFunc generic;
    void *genericContext;
} kinvm_xmlErrorHandlers;

// Sends the calling thread's libxml2 errors to `handler` (structured) and silences the generic
// channel; returns the previous handlers for kinvm_xmlRestoreErrorHandlers.
static inline kinvm_xmlErrorHandlers kinvm_xmlInstallErrorHandler(xmlStructuredErrorFunc handler,
                                                                  void *context) {
    kinvm_xmlErrorHandlers previous = {
        xmlStructuredError, xmlStructuredErrorContext, xmlGenericError, xmlGenericErrorContext
    };
    xmlSetStructuredErrorFunc(context, handler);
    xmlSetGenericErrorFunc(NULL, kinvm_xmlDiscardGenericError);
    return previous;
}

// Puts back the handlers kinvm_xmlInstallErrorHandler replaced.
static inline void kinvm_xmlRestoreErrorHandlers(kinvm_xmlErrorHandlers previous) {
    xmlSetStructuredErrorFunc(previous.structuredContext, previous.structured);
    xmlSetGenericErrorFunc(previous.genericContext, previous.generic);
}
#endif
