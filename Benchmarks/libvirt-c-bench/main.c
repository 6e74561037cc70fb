/*
 * libvirt-c-bench: the raw-C baseline for the kinvm benchmarks.
 *
 *   libvirt-c-bench cycles [--seconds S | --count C] [--warmup N]
 *       On test:///default, repeat define -> start -> setVCPUs(2, live)
 *       -> destroy -> undefine (-> free) for S seconds (default 3) after N
 *       warm-up cycles (default 500). Prints one JSON line:
 *       {"impl":"c","benchmark":"cycles","cycles":N,"seconds":S,"cycles_per_second":X}
 *
 *   libvirt-c-bench list HOSTFILE [--repeat R]
 *       On test:///ABS/HOSTFILE, time R times (default 20) listing every
 *       domain with full info (virDomainGetInfo, name, UUID string, XML) and
 *       report the median. Prints one JSON line:
 *       {"impl":"c","benchmark":"list","domains":D,"median_ms":X}
 *
 * Every libvirt return value is checked; on failure the program prints the
 * libvirt error message to stderr and exits 1. A no-op error handler keeps
 * libvirt from printing errors on its own.
 *
 * Built by SwiftPM as the `libvirt-c-bench` product (target depends on the
 * CLibvirt system library), or by hand: cc -O2 main.c -lvirt
 */
#define _XOPEN_SOURCE 700 /* realpath, clock_gettime */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char DOMAIN_XML[] =
    "<domain type='test'><name>bench</name>"
    "<memory unit='KiB'>131072</memory>"
    "<vcpu current='1'>2</vcpu>"
    "<os><type arch='x86_64'>hvm</type></os></domain>";

static void silent_error_handler(void *userdata, virErrorPtr error)
{
    (void)userdata;
    (void)error;
}

static void die(const char *what)
{
    virErrorPtr err = virGetLastError();
    fprintf(stderr, "libvirt-c-bench: %s failed: %s\n", what,
            err && err->message ? err->message : "(no libvirt error)");
    exit(1);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: libvirt-c-bench cycles [--seconds S | --count C] [--warmup N]\n"
            "       libvirt-c-bench list HOSTFILE [--repeat R]\n");
    exit(2);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double parse_double(const char *s, const char *opt)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !(v > 0)) {
        fprintf(stderr, "libvirt-c-bench: invalid value for %s: %s\n", opt, s);
        exit(2);
    }
    return v;
}

static long parse_long(const char *s, const char *opt, long min)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min) {
        fprintf(stderr, "libvirt-c-bench: invalid value for %s: %s\n", opt, s);
        exit(2);
    }
    return v;
}

/* One full lifecycle; the domain is gone again afterwards. */
static void one_cycle(virConnectPtr conn)
{
    virDomainPtr dom = virDomainDefineXML(conn, DOMAIN_XML);
    if (!dom)
        die("virDomainDefineXML");
    if (virDomainCreate(dom) < 0)
        die("virDomainCreate");
    if (virDomainSetVcpusFlags(dom, 2, VIR_DOMAIN_AFFECT_LIVE) < 0)
        die("virDomainSetVcpusFlags");
    if (virDomainDestroy(dom) < 0)
        die("virDomainDestroy");
    if (virDomainUndefine(dom) < 0)
        die("virDomainUndefine");
    if (virDomainFree(dom) < 0)
        die("virDomainFree");
}

static int run_cycles(double seconds, long warmup, long count)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    if (!conn)
        die("virConnectOpen(test:///default)");

    for (long i = 0; i < warmup; i++)
        one_cycle(conn);

    /* Check the clock only every few cycles so timing costs stay negligible. */
    long cycles = 0;
    double start = now_seconds();
    double deadline = start + seconds;
    double end;
    /* --count: exactly that many cycles (for instruction counting under callgrind). */
    for (; count > 0 && cycles < count; cycles++)
        one_cycle(conn);
    end = now_seconds();
    for (; count == 0;) {
        for (int i = 0; i < 16; i++)
            one_cycle(conn);
        cycles += 16;
        end = now_seconds();
        if (end >= deadline)
            break;
    }
    double elapsed = end - start;

    if (virConnectClose(conn) < 0)
        die("virConnectClose");

    printf("{\"impl\":\"c\",\"benchmark\":\"cycles\",\"cycles\":%ld,"
           "\"seconds\":%.6f,\"cycles_per_second\":%.1f}\n",
           cycles, elapsed, (double)cycles / elapsed);
    return 0;
}

/* List every domain with full info; returns the number of domains. */
static int list_once(virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    if (n < 0)
        die("virConnectListAllDomains");

    for (int i = 0; i < n; i++) {
        virDomainInfo info;
        char uuid[VIR_UUID_STRING_BUFLEN];
        if (virDomainGetInfo(doms[i], &info) < 0)
            die("virDomainGetInfo");
        if (!virDomainGetName(doms[i]))
            die("virDomainGetName");
        if (virDomainGetUUIDString(doms[i], uuid) < 0)
            die("virDomainGetUUIDString");
        char *xml = virDomainGetXMLDesc(doms[i], 0);
        if (!xml)
            die("virDomainGetXMLDesc");
        free(xml);
    }
    for (int i = 0; i < n; i++)
        if (virDomainFree(doms[i]) < 0)
            die("virDomainFree");
    free(doms);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_list(const char *hostfile, long repeat)
{
    char abspath[PATH_MAX];
    if (!realpath(hostfile, abspath)) {
        fprintf(stderr, "libvirt-c-bench: %s: %s\n", hostfile, strerror(errno));
        return 1;
    }
    size_t urilen = strlen(abspath) + sizeof("test://");
    char *uri = malloc(urilen);
    if (!uri)
        abort();
    snprintf(uri, urilen, "test://%s", abspath);

    /* The test driver's state lives in the connection: open the file once. */
    virConnectPtr conn = virConnectOpen(uri);
    if (!conn)
        die("virConnectOpen");

    double *ms = calloc((size_t)repeat, sizeof *ms);
    if (!ms)
        abort();
    int domains = list_once(conn); /* warm-up, not timed */
    for (long r = 0; r < repeat; r++) {
        double t0 = now_seconds();
        int n = list_once(conn);
        ms[r] = (now_seconds() - t0) * 1000.0;
        if (n != domains) {
            fprintf(stderr, "libvirt-c-bench: domain count changed (%d -> %d)\n",
                    domains, n);
            return 1;
        }
    }
    qsort(ms, (size_t)repeat, sizeof *ms, cmp_double);
    double median = repeat % 2 ? ms[repeat / 2]
                               : (ms[repeat / 2 - 1] + ms[repeat / 2]) / 2.0;

    if (virConnectClose(conn) < 0)
        die("virConnectClose");
    free(ms);
    free(uri);

    printf("{\"impl\":\"c\",\"benchmark\":\"list\",\"domains\":%d,"
           "\"median_ms\":%.3f}\n", domains, median);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();

    virSetErrorFunc(NULL, silent_error_handler);
    if (virInitialize() < 0)
        die("virInitialize");

    if (strcmp(argv[1], "cycles") == 0) {
        double seconds = 3.0;
        long warmup = 500;
        long count = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
                seconds = parse_double(argv[++i], "--seconds");
            else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
                warmup = parse_long(argv[++i], "--warmup", 0);
            else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
                count = parse_long(argv[++i], "--count", 1);
            else
                usage();
        }
        return run_cycles(seconds, warmup, count);
    }
    if (strcmp(argv[1], "list") == 0) {
        const char *hostfile = NULL;
        long repeat = 20;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
                repeat = parse_long(argv[++i], "--repeat", 1);
            else if (!hostfile && argv[i][0] != '-')
                hostfile = argv[i];
            else
                usage();
        }
        if (!hostfile)
            usage();
        return run_list(hostfile, repeat);
    }
    usage();
    return 2;
}
