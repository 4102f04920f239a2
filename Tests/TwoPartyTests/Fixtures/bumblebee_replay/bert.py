import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from composite import *
from matmul import dot, bdot, q_cmp, r_cmp, q_raw, r_raw
T=128; d=768; h=12; dff=3072
def mm_bytes(M,K,N,raw=False):
    r=dot(M,K,N); return r['query']*(q_raw if raw else q_cmp)+r['resp']*(r_raw if raw else r_cmp)
def bmm_bytes(B,M,K,N,raw=False):
    s,b,q,r,e=bdot(B,M,K,N); return 2*(q*(q_raw if raw else q_cmp)+r*(r_raw if raw else r_cmp))
lin = 4*mm_bytes(T,d,d)+mm_bytes(T,d,dff)+mm_bytes(T,dff,d)
att = bmm_bytes(h,T,64,T)+bmm_bytes(h,T,T,64)
trunc_elts = 4*T*d + T*dff + T*d + h*T*T + h*T*64
truncB = trunc_elts*19/8
g=gelu().bits/8*T*dff
e=nexp().bits/8; rc=recip().bits/8
rows=h*T; n=T
sm = rows*((n-1)*(mill(64)['bits']+130)/8 + n*e + n*(1542+19)/8 + rc)
# LN
r=rsqrt().bits/8
ln_row = 19/8*2 + 790/8 + 788/8 + r
ln = 2*(T*d*3141/8 + T*ln_row)
tot=lin+att+truncB+g+sm+ln
for k,v in [('linear HE (QKV,O,FFN1,FFN2)',lin),('attention HE (QK^T,AV, AA)',att),('trunc after matmuls',truncB),('GeLU',g),('softmax',sm),('LayerNorm x2',ln),('TOTAL/layer',tot),('x12 layers',12*tot)]:
    print(f"{k:32s} {v/1e6:9.2f} MB")
print("softmax B/elt", sm/(rows*n), "LN B/elt", ln/2/(T*d))
