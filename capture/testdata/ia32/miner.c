/* A static 32-bit stand-in for a miner, for TestSensorIA32 (build: gcc -m32 -static). It makes
 * its system calls through int 0x80 by their ia32 numbers, as a 32-bit static miner does:
 * socket through socketcall (102, SYS_SOCKET), as older C libraries make it, connect (362) to
 * 127.0.0.1:PORT, write (4) of a Stratum login, close (6).
 * Usage: miner -o stratum+tcp://127.0.0.1:PORT */
#include <stdlib.h>
#include <string.h>

static long sys3(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

int main(int argc, char **argv)
{
	const char *url = argc > 2 ? argv[2] : "";
	const char *colon = strrchr(url, ':');
	if (!colon)
		return 2;
	int port = atoi(colon + 1);
	unsigned char sa[16] = {2, 0, (unsigned char)(port >> 8), (unsigned char)port, 127, 0, 0, 1};
	static const char login[] = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
				    "{\"login\":\"wallet\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
	unsigned long sockargs[3] = {2, 1, 0};
	long fd = sys3(102, 1, (long)sockargs, 0);
	if (fd < 0)
		return 3;
	if (sys3(362, fd, (long)sa, sizeof(sa)) < 0)
		return 4;
	if (sys3(4, fd, (long)login, sizeof(login) - 1) < 0)
		return 5;
	sys3(6, fd, 0, 0);
	return 0;
}
