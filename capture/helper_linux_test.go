//go:build linux && amd64

package capture_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	uringtest "saker/internal/uring"
)

// The test binary doubles as the workload: re-executed with SAKER_SENSOR_HELPER set, it does
// one thing and exits. The capturing process itself is excluded from capture, so workloads
// must run in other processes.
func TestMain(m *testing.M) {
	if mode := os.Getenv("SAKER_SENSOR_HELPER"); mode != "" {
		if err := helper(mode, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helper(mode string, args []string) error {
	switch mode {
	case "netns-conn": // run in a new network namespace: a loopback connection, held until stdin closes
		if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
			return fmt.Errorf("ip link set lo up: %v: %s", err, out)
		}
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		c, err := net.Dial("tcp4", l.Addr().String())
		if err != nil {
			return err
		}
		var fd uintptr
		raw, _ := c.(*net.TCPConn).SyscallConn()
		raw.Control(func(f uintptr) { fd = f })
		fmt.Printf("%d %d %s %s\n", os.Getpid(), fd, c.LocalAddr(), c.RemoteAddr())
		io.Copy(io.Discard, os.Stdin)
		return nil
	case "connect": // args: port payload
		port, _ := strconv.Atoi(args[0])
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		if _, err := syscall.Write(fd, []byte(args[1])); err != nil {
			return err
		}
		return syscall.Close(fd)
	case "connect6": // args: port payload; as connect, to [::1]
		port, _ := strconv.Atoi(args[0])
		fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		if err := syscall.Connect(fd, &syscall.SockaddrInet6{Port: port, Addr: [16]byte{15: 1}}); err != nil {
			return err
		}
		if _, err := syscall.Write(fd, []byte(args[1])); err != nil {
			return err
		}
		return syscall.Close(fd)
	case "dropexec": // args: path; writes /bin/true there with mode 0755 and runs it
		exe, err := os.ReadFile("/bin/true")
		if err != nil {
			return err
		}
		fd, err := syscall.Open(args[0], syscall.O_CREAT|syscall.O_WRONLY|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o755)
		if err != nil {
			return err
		}
		if _, err := syscall.Write(fd, exe); err != nil {
			return err
		}
		syscall.Close(fd)
		return syscall.Exec(args[0], []string{args[0], "dropped-arg"}, nil)
	case "memfd", "memfdsleep": // runs /bin/true (memfdsleep: /bin/sleep 2) from a memfd
		bin, argv := "/bin/true", []string{"fileless", "x"}
		if mode == "memfdsleep" {
			bin, argv = "/bin/sleep", []string{"fileless", "2"}
		}
		exe, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		name := []byte("payload\x00")
		r, _, errno := syscall.Syscall(319, uintptr(unsafe.Pointer(&name[0])), 0, 0)
		if errno != 0 {
			return errno
		}
		fd := int(r)
		if _, err := syscall.Write(fd, exe); err != nil {
			return err
		}
		path := "/proc/self/fd/" + strconv.Itoa(fd)
		return syscall.Exec(path, argv, nil)
	case "accept": // listens on loopback, prints the port, accepts one connection and reads it
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		if err := syscall.Listen(fd, 1); err != nil {
			return err
		}
		sa, err := syscall.Getsockname(fd)
		if err != nil {
			return err
		}
		fmt.Println(sa.(*syscall.SockaddrInet4).Port)
		c, _, err := syscall.Accept4(fd, syscall.SOCK_CLOEXEC)
		if err != nil {
			return err
		}
		buf := make([]byte, 64)
		n, _, err := syscall.Recvfrom(c, buf, 0)
		if err != nil {
			return err
		}
		os.Stdout.Write(buf[:n])
		return nil
	case "serve": // listens on loopback, prints the port, reads connections until killed
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		for {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	case "idle": // a multi-threaded process that waits to be killed
		time.Sleep(time.Minute)
		return nil
	case "workload": // args: kind n dir port; see BenchmarkSensorOverhead
		return workload(args[0], args[1], args[2], args[3])
	case "waitclose": // prints its pid, then calls close(-1) for each line of stdin
		fmt.Println(os.Getpid())
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			syscall.RawSyscall(syscall.SYS_CLOSE, ^uintptr(0), 0, 0)
		}
		return nil
	case "ticker": // args: fds; holds that many fds open, calls close(-1) every 2 ms until stdin closes
		n, _ := strconv.Atoi(args[0])
		for range n {
			if _, err := os.Open("/dev/null"); err != nil {
				return err
			}
		}
		go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
		fmt.Println(os.Getpid())
		for {
			syscall.RawSyscall(syscall.SYS_CLOSE, ^uintptr(0), 0, 0)
			time.Sleep(2 * time.Millisecond)
		}
	case "uring": // args: path port payload; see TestSensorIOUring
		port, _ := strconv.Atoi(args[1])
		return uringtest.Workload(args[0], [4]byte{127, 0, 0, 1}, port, args[2])
	case "dnsfault": // args: dir; see TestCaptureDNSFault
		return dnsFault(args[0])
	case "sleepminer": // args: port ...; prints its pid, connects to port and sends a Stratum login at the first line of stdin, then waits for stdin to close
		fmt.Println(os.Getpid())
		in := bufio.NewReader(os.Stdin)
		if _, err := in.ReadString('\n'); err != nil {
			return err
		}
		port, _ := strconv.Atoi(args[0])
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		if _, err := syscall.Write(fd, []byte(`{"id":1,"method":"login","params":{"login":"wallet","agent":"XMRig/6.21.0"}}`+"\n")); err != nil {
			return err
		}
		io.Copy(io.Discard, in)
		return nil
	case "spin": // a busy loop until killed
		for {
		}
	case "closes": // args: n rate; see closes
		n, _ := strconv.Atoi(args[0])
		rate, _ := strconv.Atoi(args[1])
		closes(n, rate)
		return nil
	}
	return fmt.Errorf("unknown helper mode %q", mode)
}

// closes calls close(-1) n times, rate times a second (0: as fast as it can). A failed close
// is the cheapest syscall the sensor records: one small record each, nothing else read.
func closes(n, rate int) {
	const tick = 5 * time.Millisecond
	batch := n
	if rate > 0 {
		batch = max(1, rate*int(tick)/int(time.Second))
	}
	next := time.Now()
	for done := 0; done < n; {
		for range min(batch, n-done) {
			syscall.RawSyscall(syscall.SYS_CLOSE, ^uintptr(0), 0, 0)
		}
		done += batch
		// Pace against the schedule, not the last wake-up, so oversleeping catches up.
		next = next.Add(tick)
		time.Sleep(time.Until(next))
	}
}

// workload runs n operations of one kind: "open" (open and close a file), "connect"
// (socket, connect, send and close on loopback), "exec" (fork and exec /bin/true), "getppid"
// (a syscall the sensor never records), "uring-connect" (socket, connect, send and close
// through io_uring requests) or "uring-read" (a 4 KiB read of a file through io_uring: disk
// I/O, which the sensor looks at and skips).
func workload(kind, nArg, dir, portArg string) error {
	n, _ := strconv.Atoi(nArg)
	path := filepath.Join(dir, "work")
	port, _ := strconv.Atoi(portArg)
	msg := []byte("ping over loopback, a short payload of some size")
	var ring *uringtest.Ring
	var file int
	if strings.HasPrefix(kind, "uring") {
		var err error
		if ring, err = uringtest.New(8); err != nil {
			return err
		}
		defer ring.Close()
		if err := os.WriteFile(path, make([]byte, 4096), 0o644); err != nil {
			return err
		}
		if file, err = syscall.Open(path, syscall.O_RDONLY, 0); err != nil {
			return err
		}
		defer syscall.Close(file)
	}
	buf := make([]byte, 4096)
	for range n {
		switch kind {
		case "uring-connect":
			fd, err := ring.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
			if err != nil {
				return err
			}
			if err := ring.Connect(fd, [4]byte{127, 0, 0, 1}, port); err != nil {
				return err
			}
			if _, err := ring.Send(fd, msg); err != nil {
				return err
			}
			if err := ring.CloseFD(fd); err != nil {
				return err
			}
		case "uring-read":
			if _, err := ring.Read(file, buf, 0); err != nil {
				return err
			}
		case "open":
			fd, err := syscall.Open(path, syscall.O_CREAT|syscall.O_RDWR, 0o644)
			if err != nil {
				return err
			}
			syscall.Close(fd)
		case "connect":
			fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
			if err != nil {
				return err
			}
			if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return err
			}
			if err := syscall.Sendto(fd, msg, 0, nil); err != nil {
				return err
			}
			syscall.Close(fd)
		case "getppid":
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		case "exec":
			if err := exec.Command("/bin/true").Run(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown workload %q", kind)
		}
	}
	return nil
}
