#!/usr/bin/python3
"""The native memory of one zlib stream of the .NET runtime's zlib (libSystem.IO.Compression.Native), by window and
memLevel: N streams are started through the library's CompressionNative_* exports (the ones RxSockets calls; an
inflater also inflates one message, since zlib may allocate its window at first use), and glibc's bytes in use
(mallinfo2) are compared before and after. Linux/glibc only.

Usage: python3 bench/DeflateMemory/zlib_streams.py [PATH/TO/libSystem.IO.Compression.Native.so]
(default: the newest Microsoft.NETCore.App under /usr/share/dotnet/shared)
"""
import ctypes
import glob
import sys
import zlib

path = sys.argv[1] if len(sys.argv) > 1 else sorted(
    glob.glob("/usr/share/dotnet/shared/Microsoft.NETCore.App/*/libSystem.IO.Compression.Native.so"))[-1]
print(path)
lib = ctypes.CDLL(path)
libc = ctypes.CDLL("libc.so.6")
class ZS(ctypes.Structure):
    _fields_=[("nextIn",ctypes.c_void_p),("nextOut",ctypes.c_void_p),("msg",ctypes.c_void_p),("st",ctypes.c_void_p),("availIn",ctypes.c_uint32),("availOut",ctypes.c_uint32)]
class MI(ctypes.Structure):
    _fields_=[(n,ctypes.c_size_t) for n in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc.mallinfo2.restype=MI
def inuse():
    m=libc.mallinfo2(); return m.uordblks+m.hblkhd
data=b"hello hello hello hello"*100
co=zlib.compressobj(wbits=-9); comp=co.compress(data)+co.flush(zlib.Z_SYNC_FLUSH)
out=ctypes.create_string_buffer(1<<16)
N = 500
for kind in ["inflate","deflate"]:
  for bits in [9,12,15]:
    for mem in ([8] if kind=="inflate" else [1,8,9]):
      streams=[]; before=inuse()
      for i in range(N):
        z=ZS()
        if kind=="inflate":
            assert lib.CompressionNative_InflateInit2_(ctypes.byref(z), -bits)==0
            buf=ctypes.create_string_buffer(comp)
            z.nextIn=ctypes.cast(buf,ctypes.c_void_p); z.availIn=len(comp); z.nextOut=ctypes.cast(out,ctypes.c_void_p); z.availOut=len(out)
            lib.CompressionNative_Inflate(ctypes.byref(z),2)
        else:
            assert lib.CompressionNative_DeflateInit2_(ctypes.byref(z), 6, 8, -bits, mem, 0)==0
        streams.append(z)
      print(f"{kind} window {bits} memLevel {mem if kind == 'deflate' else '-'}: {(inuse() - before) / N / 1024:.1f} KiB")
      for z in streams:
        (lib.CompressionNative_InflateEnd if kind=="inflate" else lib.CompressionNative_DeflateEnd)(ctypes.byref(z))
