package capture

//go:generate go run ../replay/internal/ia32gen -in ../replay/internal/ia32gen/syscall_32.txt -pkg capture -out syscalls_ia32_gen.go
