import math
def cdiv(a,b): return -(-a//b)
def subshape(M,K,Nn,n=8192,disable_pack=False):
    best=None; mc=float('inf')
    for d0 in range(1,min(n,M)+1):
        b0=cdiv(M,d0); d1=1
        while d1<=K:
            if d0*d1>n: break
            b1=cdiv(K,d1); d2=min(Nn,n//d0//d1); b2=cdiv(Nn,d2)
            sent=min(b0,b2)*b1; resp=cdiv(b0*b2,d1)
            aut=0 if disable_pack else cdiv(M*Nn,n)*d1
            mul=b0*b1*b2
            cost=(sent+resp)*1000+aut+mul/10
            if cost<=mc: mc=cost; best=(d0,d1,d2)
            d1 = d1+1 if disable_pack else d1*2
    return best
def dot(M,K,Nn,n=8192,packing=True):
    cp='rlwes' if packing else 'none'
    if packing:
        s=subshape(M,K,Nn,n,False); b=[cdiv(M,s[0]),cdiv(K,s[1]),cdiv(Nn,s[2])]
        if b[0]*b[2]<=1: cp='none'
        else: cp='rlwes' if s[1] < M*Nn else 'lwes'
    s=subshape(M,K,Nn,n,cp=='none'); b=[cdiv(M,s[0]),cdiv(K,s[1]),cdiv(Nn,s[2])]
    lhs=b[0]*b[1]; rhs=b[1]*b[2]; enc_lhs = lhs<=rhs
    q = lhs if enc_lhs else rhs
    if cp=='rlwes': r=cdiv(b[0]*b[2], s[1])
    elif cp=='lwes': r=cdiv(M*Nn, n)
    else: r=b[0]*b[2]
    return dict(sub=s,blk=b,cptype=cp,enc='lhs' if enc_lhs else 'rhs',query=q,resp=r)
# ct sizes FM64 CheetahDot: N=8192, enc moduli 59+55+49=163 bits (3x u64), resp 2 moduli 59+55=114
N=8192
q_raw=N*3*8; q_cmp=N*163/8
r_raw=2*N*2*8; r_cmp=2*N*114/8
print("FM64 query ct raw %d B, est compressed %d B; resp raw %d B, est compressed %d B"%(q_raw,q_cmp,r_raw,r_cmp))
shapes={'BERT QKV/O 128x768x768':(128,768,768),'BERT FFN1 128x768x3072':(128,768,3072),'BERT FFN2 128x3072x768':(128,3072,768),
 'GPT2 T=32 768x768':(32,768,768),'T=32 FFN1':(32,768,3072),'T=32 FFN2':(32,3072,768),'T=1 768x768':(1,768,768),'T=1 FFN1':(1,768,3072),
 'T=256 QKV':(256,768,768), 'T=512 QKV':(512,768,768),'BERT-large 128x1024x1024':(128,1024,1024),'BERT-large 128x1024x4096':(128,1024,4096),'128x4096x1024':(128,4096,1024),
 'QK^T per head 128x64x128':(128,64,128),'AV per head 128x128x64':(128,128,64), 'QKV fused 128x768x2304':(128,768,2304)}
for k,(M,K,Nn) in shapes.items():
    r=dot(M,K,Nn)
    MB=(r['query']*q_cmp + r['resp']*r_cmp)/1e6
    MBraw=(r['query']*q_raw + r['resp']*r_raw)/1e6
    print(f"{k:28s} sub={r['sub']} blk={r['blk']} {r['cptype']:5s} enc={r['enc']} query_cts={r['query']} resp_cts={r['resp']}  est {MB:.2f} MB (raw {MBraw:.2f} MB)")
print("---- batched (BatchDotOLE, one direction) ----")
def bdot(B,M,K,Nn,n=8192):
    s=subshape(M,K,Nn,n,False); b=[cdiv(M,s[0]),cdiv(K,s[1]),cdiv(Nn,s[2])]
    lhs=b[0]*b[1]; rhs=b[1]*b[2]; enc_lhs=lhs<=rhs
    q=B*(lhs if enc_lhs else rhs); r=cdiv(B*b[0]*b[2], s[1])
    return s,b,q,r,enc_lhs
for name,(B,M,K,Nn) in {'QK^T 12x128x64x128':(12,128,64,128),'AV 12x128x128x64':(12,128,128,64),
   'QK^T T=256':(12,256,64,256),'AV T=256':(12,256,256,64),'QK^T T=32':(12,32,64,32),'AV T=32':(12,32,32,64),
   'QK^T T=512':(12,512,64,512),'AV T=512':(12,512,512,64)}.items():
    s,b,q,r,e=bdot(B,M,K,Nn)
    MB=(q*q_cmp+r*r_cmp)/1e6
    print(f"{name:22s} sub={s} blk={b} enc={'lhs' if e else 'rhs'} query={q} resp={r} est {MB:.2f} MB per direction; AA (x2) {2*MB:.2f} MB")
