import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from composite import *
e=nexp().bits; rc=recip().bits; rs=rsqrt().bits; m64=mill(64)['bits']
for n in [32,64,128,256,512,1024]:
    row=(n-1)*(m64+130)+n*e+n*(1542+19)+rc
    import math
    fl=math.ceil(math.log2(n))*(19+3)+nexp().fl+recip().fl+4
    print(f"softmax n={n}: {row:.0f} bits/row = {row/8/1024:.1f} KiB/row, {row/8/n:.1f} B/elt, flights {fl}")
for d in [768,1024,4096]:
    row=d*3141 + 19*2+790+788+rs
    print(f"LN d={d}: {row/8/1024:.1f} KiB/row {row/8/d:.1f} B/elt")
print("GeLU", gelu().bits, gelu().fl, "exp", e, nexp().fl, "recip", rc, recip().fl, "rsqrt", rs, rsqrt().fl)
