"""Writes chebyshev_counts_by_degree.csv from chebyshev_sim.py (v1.6.1 behaviour; exp on [-1,1], exp(x/4) on [-8,8])."""
import math, numpy as np, csv, sys
import chebyshev_sim as S
with open('chebyshev_counts_by_degree.csv','w',newline='') as fh:
    w=csv.writer(fh)
    w.writerow(['degree','interval','method','k','m','final_level','final_noiseScaleDeg','eff_depth','GetDepthByDegree_table','ctct_mult','ctct_square','ctct_total','const_mult','adjust_mult','rescale','ct_add','const_add','inner_calls'])
    for d in list(range(1,601))+[1007,2031]:
        for name,(a,b,f) in [('[-1,1]',(-1.0,1.0,math.exp)),('general',(-8.0,8.0,lambda t: math.exp(t/4)))]:
            inf=S.run(f,a,b,d,xs=np.linspace(a,b,5)); c=inf['counts']
            w.writerow([d,name,inf['method'],inf.get('k',''),inf.get('m',''),inf['level'],inf['nsd'],inf['eff_depth'],inf['table_depth'],c['ctct_mult'],c['ctct_square'],c['ctct_mult']+c['ctct_square'],c['const_mult'],c['adjust_mult'],c['rescale'],c['ct_add'],c['const_add'],inf.get('inner_calls','')])
print('done')
