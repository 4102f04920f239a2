# Bottom-up replay of GPU-MPC (mpc-msri/EzPC@f24bf3e0) SIGMA key sizes and online comm.
# Units: key bytes = one party's key (what SIGMAKeygen writes for `party`);
# comm bytes = bytes SENT by one party (each reconstruct is symmetric: recv == sent).
# rounds = number of reconstructInPlace (exchangeShares) calls, sequential as in the code.
from math import ceil, log2

class Acc:
    def __init__(s): s.key=0; s.sent=0; s.rounds=0
    def add(s,o): s.key+=o.key; s.sent+=o.sent; s.rounds+=o.rounds; return s

# ---------- comm (utils/gpu_comms.h compressMem + sigma_comms.cpp getMemSz) ----------
def rec(bw, N, sizeofT=8):
    if bw <= 2: return ceil(bw*N/32)*4
    if bw < 8*sizeofT: return ceil(N*bw/64)*8
    return N*sizeofT

# ---------- keys ----------
def ws(N, bw, sizeofT=8):           # utils/gpu_random.cu writeShares
    return ceil(bw*N/32)*4 if bw in (1,2) else N*sizeofT
def dpfkey(bin, N, evalAll=False):  # fss/gpu_dpf.cu gpuKeyGenDPF / gpuKeyGenDCF / gpu_sstab.h genSSTable
    if bin <= 7: return 8 + N*(1 << max(0, bin-3))
    L = bin-7
    t = 4*N if evalAll else ceil(N/32)*4*L
    return 12 + 12 + N*L*16 + 2*N*16 + t

def trcorr(cmpbw, N, m, bout, sz):   # gpuKeygenTrFunc
    return dpfkey(cmpbw, N) + ws(N,1) + ws(m*N, bout, sz)

def TrFloor(bin, shift, bout, N, sz=8):
    a=Acc(); a.key = 16 + trcorr(shift, N, 2, bin-shift, sz)
    a.sent = rec(1,N) + rec(bin-shift, N, sz); a.rounds = 2
    if bout > bin-shift:
        a.key += trcorr(bin-shift, N, 2, bout, sz)
        a.sent += rec(1,N) + rec(bout, N, sz); a.rounds += 2
    return a

def TrWithSlack(bin, shift, bout, N, sz=8):
    a=Acc(); a.key = 16 + trcorr(shift, N, 3, bout, sz)
    a.sent = rec(1,N) + rec(bout, N, sz); a.rounds = 2
    return a

def Relu(bin, bout, N, szOut=8):     # gpuGenReluKey / gpuRelu
    a=Acc(); a.key = 12 + dpfkey(bin-1, N) + ws(N,1) + 5*ws(N, bout, szOut)
    a.sent = rec(1,N) + rec(bout, N, szOut); a.rounds = 2
    return a

def LUT(bin, bout, N, opMasked=True, szOut=8):   # gpuKeyGenLUT / gpuDpfLUT
    a=Acc(); a.key = 4 + dpfkey(bin, N, True) + ws(N,1) + 5*ws(N, bout, szOut)
    a.sent = rec(1,N) + rec(bout,N,szOut); a.rounds = 2
    if opMasked: a.sent += rec(bout,N,szOut); a.rounds += 1
    return a

def Mul(bw, scale, N, tr='slack'):    # gpuKeygenMul / gpuMul
    a=Acc(); a.key = 3*8*N; a.sent = rec(bw,N); a.rounds=1
    a.add(TrWithSlack(bw, scale, bw, N) if tr=='slack' else TrFloor(bw, scale, bw, N))
    return a

def Matmul(sA, sB, sC, bw, shift):   # gpuKeygenMatmul / gpuMatmul (+TrFloor)
    a=Acc(); a.key = 8*(sA+sB+sC); a.sent = rec(bw, sC); a.rounds=1
    a.add(TrFloor(bw, shift, bw, sC)); return a

def WindowMul(inSz, mSz, bw, scale):  # keygenWindowMul / windowMul
    a=Acc(); a.key = 8*(2*inSz+mSz); a.sent = rec(bw, inSz); a.rounds=1
    a.add(TrWithSlack(bw, scale, bw, inSz)); return a

def Gelu(N, bw=50, scale=12, clipBw=8):   # gpuKeyGenGelu<T,u8,8> / gpuGelu ; bin = bw-scale (backend/sigma.h:149)
    bin = bw-scale; bwXt = bin-scale+6+1
    a=Acc(); a.key = 4
    a.add(TrWithSlack(bw, scale-6, bwXt, N))
    # DReLU+IC DCF (one DPF key on bwXt-1 bits, evaluated at 3 points) + 2 masks
    d=Acc(); d.key = dpfkey(bwXt-1, N) + ws(N,1) + ws(N,1); d.sent = 2*ceil(N/32)*4; d.rounds=1; a.add(d)
    m=Acc(); m.key = 2*ws(4*N, clipBw, 1); m.sent = rec(clipBw, N, 1); m.rounds=1; a.add(m)
    a.add(LUT(clipBw, bw, N, opMasked=False))
    s=Acc(); s.key = 5*ws(N,bw); s.sent = rec(bw,N); s.rounds=1; a.add(s)
    return a

def NExp(N, bw=50, bin=40, scale=12):     # gpuKeygenNExp / gpuNExp
    a=Acc()
    a.add(Relu(bin, 16, N, szOut=2))
    a.add(LUT(8, bw, N))
    a.add(TrWithSlack(16, 8, 8, N, sz=1))
    a.add(LUT(8, bw, N))
    a.add(Mul(bw, scale, N))
    return a

def Softmax(heads, T, bw=50, scale=12, causal=True):   # gpuKeygenSoftmax / gpuSoftmax
    inSz = heads*T*(T+1)//2 if causal else heads*T*T
    mSz = heads*T
    bin0 = bw-scale; reducedBw = bin0+2; binMax = bin0+1
    a=Acc(); mp=Acc(); mp.key=4
    R = ceil(log2(T))
    for i in range(R):
        l=i+1
        oLen = heads*((T*T)//(1<<(l+1)) + T//2) if causal else heads*T*(T//(1<<(i+1)))
        mp.add(Relu(binMax, reducedBw, oLen))
    a.add(mp); mx = Acc().add(mp)
    ne = NExp(inSz, bw, reducedBw, scale); a.add(ne)
    inv = Acc(); inv.add(TrWithSlack(scale+ceil(log2(T)), 6, scale+ceil(log2(T))-6, mSz, sz=2)); inv.add(LUT(scale+ceil(log2(T))-6, bw, mSz)); a.add(inv)
    wm = WindowMul(inSz, mSz, bw, scale); a.add(wm)
    return a, dict(max=mx, nexp=ne, inv=inv, wmul=wm)

def LayerNorm(T, d, bw=50, scale=12, rsqrt_key_per_row=0):   # gpuKeygenLayerNorm / gpuLayerNorm (GPU part only)
    a=Acc()
    shift = int(log2(d)) if (d & (d-1))==0 else scale
    a.add(TrFloor(bw, shift, bw, T))
    sq=Acc(); sq.key = 2*8*T*d; sq.sent = rec(bw, T); sq.rounds=1; a.add(sq)   # open sum of squares (T values)
    a.key += rsqrt_key_per_row*T     # LLAMA CPU Rsqrt key (not modelled; comm/rounds also not modelled)
    a.add(WindowMul(T*d, T, bw, scale))
    a.add(WindowMul(T*d, d, bw, scale))
    return a

def gpt2_layer(T, d=768, heads=12, bw=50, scale=12, causal=True, verbose=False):
    dh = d//heads; out={}
    out['ln0'] = LayerNorm(T,d,bw,scale)
    out['qkv'] = Matmul(T*d, d*3*d, T*3*d, bw, scale)
    qs = scale + (int(log2(dh))//2 if int(log2(dh))%2==0 else 0)
    sC = heads*T*(T+1)//2 if causal else heads*T*T
    out['qkt'] = Matmul(heads*T*dh, heads*dh*T, sC, bw, qs)
    sm, parts = Softmax(heads, T, bw, scale, causal); out['softmax']=sm
    out['smv'] = Matmul(heads*T*T, heads*T*dh, heads*T*dh, bw, scale)
    out['proj'] = Matmul(T*d, d*d, T*d, bw, scale)
    out['ln1'] = LayerNorm(T,d,bw,scale)
    out['fc1'] = Matmul(T*d, d*4*d, T*4*d, bw, scale)
    out['gelu'] = Gelu(T*4*d, bw, scale)
    out['fc2'] = Matmul(T*4*d, 4*d*d, T*d, bw, scale)
    tot=Acc()
    for v in out.values(): tot.add(v)
    return tot, out, parts

if __name__ == '__main__':
    GiB = 1024**3
    for name,causal,L in (('gpt2',True,12),('bert-base',False,12)):
      for T in (32,64,128,256):
        tot,out,parts = gpt2_layer(T, causal=causal)
        key = L*tot.key + T*768*8   # + output mask (SIGMAKeygen::output)
        print(f"{name} T={T}: comm(send+recv, one party)={2*L*tot.sent/GiB:.3f} GiB  sent/party={L*tot.sent/GiB:.3f} GiB  rounds(GPU only)={L*tot.rounds}  key/party={key/GiB:.3f} GiB")
    tot,out,parts = gpt2_layer(128)
    print("\nGPT-2 T=128 per layer breakdown: name sent(B) rounds key(B)")
    for k,v in out.items(): print(f"  {k:8s} {v.sent:>12d} {v.rounds:>3d} {v.key:>13d}")
    for k,v in parts.items(): print(f"  softmax.{k:6s} {v.sent:>12d} {v.rounds:>3d} {v.key:>13d}")
    # per-element numbers
    N=1<<20
    print("\nPer-element (N=2^20, amortized), bytes sent per party / key bytes per party:")
    for nm,a in (('TrFloor50/12',TrFloor(50,12,50,N)),('TrWithSlack50/12',TrWithSlack(50,12,50,N)),
                 ('ReLU(bin=50,bout=50)',Relu(50,50,N)),('LUT8->50 masked',LUT(8,50,N)),
                 ('LUT13->50 masked',LUT(13,50,N)),('GELU',Gelu(N)),('nExp',NExp(N)),('Mul+TrWS',Mul(50,12,N)),
                 ('DCF/DPF(49b) key only', type('x',(object,),dict(sent=0,rounds=0,key=dpfkey(49,N)))())):
        print(f"  {nm:22s} sent={a.sent/N:8.3f} B  rounds={a.rounds}  key={a.key/N:9.3f} B")
