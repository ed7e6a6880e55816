/*
 * processprng.c: bcryptprimitives.dll for running Go test binaries under
 * Wine 8. Test-only, built by .ci/wine-setup.sh with mingw-w64, never shipped.
 *
 * 1. Go >= 1.21 Windows binaries import bcryptprimitives.dll!ProcessPrng at
 *    start-up; Wine 8 ships no such DLL, so every Go binary would die before
 *    main. ProcessPrng here fills the buffer from advapi32's
 *    SystemFunction036 (RtlGenRandom), which Wine implements.
 *
 * 2. Go >= 1.25 removes directory trees (os.RemoveAll, hence every
 *    t.TempDir cleanup) with NtSetInformationFile(FileDispositionInformationEx)
 *    and falls back to the older FileDispositionInformation only when told
 *    STATUS_INVALID_INFO_CLASS. Wine 8 answers STATUS_NOT_IMPLEMENTED instead,
 *    which Go reports as "Invalid function". Because every Go process loads
 *    this DLL first, its DllMain points ntdll's export of
 *    NtSetInformationFile at a wrapper that answers STATUS_INVALID_INFO_CLASS
 *    for that one class and passes every other call through unchanged.
 *    Go resolves ntdll functions lazily with GetProcAddress, so it finds the
 *    wrapper.
 */
#include <windows.h>
#include <string.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	/* RtlGenRandom takes a ULONG length: feed it at most 1 MiB at a time. */
	while (size > 0) {
		ULONG n = size > (1u << 20) ? (1u << 20) : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}

typedef LONG(NTAPI *set_info_fn)(HANDLE, PVOID, PVOID, ULONG, ULONG);

static set_info_fn real_set_info;

#define FILE_DISPOSITION_INFORMATION_EX_CLASS 64
#define STATUS_INVALID_INFO_CLASS_VALUE ((LONG)0xC0000003)

static LONG NTAPI set_info_wrapper(HANDLE file, PVOID iosb, PVOID info, ULONG len, ULONG cls)
{
	if (cls == FILE_DISPOSITION_INFORMATION_EX_CLASS)
		return STATUS_INVALID_INFO_CLASS_VALUE;
	return real_set_info(file, iosb, info, len, cls);
}

/* An export entry is a 32-bit offset from ntdll's base, so the wrapper must
 * be reached through a jump placed less than 4 GiB above that base. */
static BYTE *alloc_near(BYTE *base)
{
	for (ULONG_PTR off = 0x1000000; off < 0xF0000000u; off += 0x1000000) {
		BYTE *p = VirtualAlloc(base + off, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
		if (p)
			return p;
	}
	return NULL;
}

static void hook_set_information_file(void)
{
	BYTE *base = (BYTE *)GetModuleHandleA("ntdll.dll");
	if (!base)
		return;
	IMAGE_NT_HEADERS64 *nt = (IMAGE_NT_HEADERS64 *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
	IMAGE_DATA_DIRECTORY dir = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
	if (dir.VirtualAddress == 0)
		return;
	IMAGE_EXPORT_DIRECTORY *exp = (IMAGE_EXPORT_DIRECTORY *)(base + dir.VirtualAddress);
	DWORD *names = (DWORD *)(base + exp->AddressOfNames);
	WORD *ordinals = (WORD *)(base + exp->AddressOfNameOrdinals);
	DWORD *functions = (DWORD *)(base + exp->AddressOfFunctions);
	for (DWORD i = 0; i < exp->NumberOfNames; i++) {
		if (strcmp((char *)(base + names[i]), "NtSetInformationFile") != 0)
			continue;
		DWORD *slot = &functions[ordinals[i]];
		BYTE *jump = alloc_near(base);
		if (!jump)
			return;
		real_set_info = (set_info_fn)(base + *slot);
		/* mov rax, imm64 ; jmp rax */
		ULONG_PTR target = (ULONG_PTR)set_info_wrapper;
		jump[0] = 0x48;
		jump[1] = 0xB8;
		memcpy(jump + 2, &target, sizeof target);
		jump[10] = 0xFF;
		jump[11] = 0xE0;
		DWORD old;
		if (!VirtualProtect(slot, sizeof *slot, PAGE_READWRITE, &old))
			return;
		*slot = (DWORD)(jump - base);
		VirtualProtect(slot, sizeof *slot, old, &old);
		return;
	}
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reserved;
	if (reason == DLL_PROCESS_ATTACH)
		hook_set_information_file();
	return TRUE;
}
