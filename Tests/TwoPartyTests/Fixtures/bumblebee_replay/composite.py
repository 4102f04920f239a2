import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import mill, PHI, cdiv
def ole(l, lsb=True, raw=False):
    p=47 if lsb else 45
    nctx=cdiv(l+l+(4 if lsb else 32), p)
    if raw: return nctx*40*8, nctx
    q=(60+32+(56 if lsb else 52)); r=(60-((60-p)-2))+60
    return nctx*(q+r), nctx
class C:
    def __init__(s): s.bits=0; s.fl=0; s.cots=0; s.log=[]
    def add(s,name,bits,fl,cots=0,mult=1):
        s.bits+=bits*mult; s.fl+=fl; s.cots+=cots*mult; s.log.append((name,bits*mult,fl))
def trunc(c,f,mult=1): c.add(f"trunc{f}",1+f,2,1,mult)
def a1b(c,l,mult=1): c.add(f"mulA1B{l}",2*(l+1),3,2,mult)
def square(c,l,mult=1,raw=False): b,_=ole(l,raw=raw); c.add(f"square{l}(1 OLE)",b,2,0,mult)
def mulaa(c,l,mult=1,raw=False): b,_=ole(l,raw=raw); c.add(f"mulAA{l}(2 OLE)",2*b,2,0,mult)
def mulav(c,l,mult=1,raw=False): b,_=ole(l,raw=raw); c.add(f"mulAV{l}(1 OLE)",b,2,0,mult)
def mill_(c,bits,B=1,mult=1,name="mill"):
    m=mill(bits,B); c.add(f"{name}{bits}xB{B}",m['bits'],m['flights'],m['cots'],mult)
def b2a1(c,l): c.add("B2A1",1+l,2,1)
def b2ap(c,m,l): c.add(f"B2Apacked{m}",m+sum(l-k for k in range(m)),2,m)
def andw(c,l,k=1): c.add(f"AND{l}x{k}",4*l*k,2,2*l*k)
def hob(c,l=64):
    # A2B = Kogge-Stone: 1 AND + log2(l) levels of vmap(2 ANDs); prefix_or: log2(l) ORs (1 AND each)
    import math; L=int(math.log2(l))
    andw(c,l,1)
    for _ in range(L): andw(c,l,2)
    for _ in range(L): andw(c,l,1)
def gelu(raw=False):
    c=C(); trunc(c,6)
    mill_(c,24,3,name="BatchLess")
    a1b(c,32)
    square(c,32,raw=raw); trunc(c,12)
    square(c,32,raw=raw); trunc(c,12)
    mulaa(c,32,raw=raw); trunc(c,12)
    trunc(c,12)
    a1b(c,32); a1b(c,32)
    c.add("CastRing32->64",33,2,1)
    return c
def nexp(raw=False,iters=5,f=18):
    c=C(); mill_(c,64-(f-4),1,name="BatchLess")
    trunc(c,iters)
    for _ in range(iters): square(c,64,raw=raw); trunc(c,f)
    a1b(c,64); return c
def recip(raw=False,f=18,beaver=True):
    c=C(); mill_(c,64,name="MsbA2B"); b2a1(c,64)
    bon=256 if beaver else 0
    def mm(): mulaa(c,64,raw=raw); 
    def bv():
        if beaver: c.add("beaver-online",256,1)
    mm(); bv()                       # mux(is_neg)
    hob(c); b2ap(c,2*f,64)
    for _ in range(2): mm(); bv(); trunc(c,f)   # c, e
    mm(); bv(); trunc(c,f); square(c,64,raw=raw); trunc(c,f)  # iter1
    mm(); bv(); trunc(c,f)  # iter2
    mm(); bv(); trunc(c,f)  # * factor
    mm(); bv()              # mux
    return c
def rsqrt(raw=False,f=18,beaver=True):
    c=C(); hob(c); c.add("lshift",0,0)
    b2ap(c,2*f,64); mulaa(c,64,raw=raw); trunc(c,f)
    for _ in range(3): mulaa(c,64,raw=raw); trunc(c,f)
    trunc(c,f)
    b2a1(c,64); b2ap(c,(f//2)*2,64); mulaa(c,64,raw=raw)
    mulaa(c,64,raw=raw); trunc(c,f)
    if beaver: c.add("beaver-online x6",6*256,0)
    return c
if __name__=="__main__":
    for name,fn in [("GeLU/elt",gelu),("negexp/elt",nexp),("reciprocal/row",recip),("rsqrt/row",rsqrt)]:
        c=fn(); cr=fn(raw=True)
        print(f"== {name}: {c.bits:.0f} bits = {c.bits/8:.1f} B total (+ferret {PHI*c.cots:.1f} bits); raw-HE {cr.bits/8:.1f} B; flights {c.fl}; COTs {c.cots}")
        for l in c.log: print("   ",l)
    print("OLE FM64", ole(64), ole(64,raw=True), "FM32", ole(32), ole(32,raw=True), "FM64 no-lsb", ole(64,lsb=False))
