import math
def cdiv(a,b): return -(-a//b)
def bitfloor(x): return 1 << (x.bit_length()-1)
# replay of SPU/BB compare_prot.cc TraversalAND (no eq) -> (plainAND, corrAND, flights)
def full(q):
    A=C=F=0; d=q
    while d>1:
        if d==2: A+=1; F+=2; break
        A+=1; C+=d//2-1; F+=5   # BitwiseAnd: 2 OpenShare, CorrelatedBitwiseAnd: 3 OpenShare (sequential)
        d//=2
    return A,C,F
def trav(q):
    if q & (q-1)==0: return full(q)
    cur=bitfloor(q); A,C,F=full(cur); rem=q-cur+1
    while rem>1:
        cur=bitfloor(rem); a,c,f=trav(cur); A+=a;C+=c;F+=f; rem=rem-cur+1
    return A,C,F
PHI=2129920/10017120   # yacl ferret bits per COT (sender side), derived
def mill(bits, B=1, radix=4):
    q=cdiv(bits,radix); N=1<<radix
    A,C,F=trav(q)
    recv_bits=radix*q            # flips of chosen-choice COTs (choice provider = rank1)
    send_bits=N*2*B*q            # 1-of-16 OT messages, 2 bits (lt,eq) per batch item
    tree=B*(4*A+6*C)             # both parties: plain AND 2+2 bits, corr AND 3+3 bits
    cots=radix*q + B*2*(A+C)
    return dict(q=q,A=A,C=C,bits=recv_bits+send_bits+tree, p0=send_bits+B*(2*A+3*C), p1=recv_bits+B*(2*A+3*C), cots=cots, flights=2+F)
if __name__=="__main__":
    print("PHI bits/COT =",PHI)
    for l in [8,12,16,20,24,32,40,48,50,52,56,60,64]:
        m=mill(l); print(l, m, "with ferret %.1f"%(m['bits']+PHI*m['cots']))
    print("batch GeLU (24-bit, B=3):", mill(24,3))
    print("exp clip (50-bit->52, B=1):", mill(50,1))
