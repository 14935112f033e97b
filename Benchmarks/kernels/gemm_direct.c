// gemm_direct.c — the lab bench behind the direct GEMM family (BENCHMARKS.md, "How the PoCL GEMM got there"): builds
// Kernels/common.cl + Kernels/gemm_direct.cl with -DGEMM_DIRECT and the given parameters,
// runs one product through one path, checks it against cblas_sgemm, and times it against
// OpenBLAS in alternating rounds (the ratio is what survives a shared machine). Not part of
// the package.
//
//   cc -O2 -o gemm_direct gemm_direct.c -lOpenCL -lopenblas -lm
//   ./gemm_direct KIND M N K VW OM ON DM DN LM LN ["extra build options"]
//
// KIND: nn, nt, tn (the direct kernels on the matrices as stored) or pnn, pnt, ptn (packing
// kernels, then gemm_rows_packed / gemm_packed). Environment: ROUNDS (default 5), PLAIN
// (contiguous operands at offset 0; otherwise padded strides and offsets), SKIPPACK (time
// the product on panels packed once), PACKONLY (time only the packing), GEMMCL (another
// gemm_direct.cl). Run from the repository root.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static char* slurp(const char* p){FILE*f=fopen(p,"rb");fseek(f,0,SEEK_END);long n=ftell(f);fseek(f,0,SEEK_SET);char*b=malloc(n+1);fread(b,1,n,f);b[n]=0;fclose(f);return b;}
#define CK(x) do{cl_int e_=(x); if(e_){fprintf(stderr,"%s -> %d line %d\n",#x,e_,__LINE__);exit(1);}}while(0)
static cl_command_queue Q; static int NL; static cl_kernel KS[3]; static size_t GS[3][2], LS[3][2]; static int SKIP;
static int PONLY; static void op(void){ for(int i=SKIP?NL-1:0;i<NL-PONLY;i++) CK(clEnqueueNDRangeKernel(Q,KS[i],2,NULL,GS[i],LS[i],0,NULL,NULL)); }
static void args(cl_kernel k, const char* fmt, ...){ __builtin_va_list ap; __builtin_va_start(ap,fmt); int i=0;
  for(const char*c=fmt;*c;c++){ if(*c=='i'){int v=__builtin_va_arg(ap,int);CK(clSetKernelArg(k,i++,4,&v));} else if(*c=='f'){float v=(float)__builtin_va_arg(ap,double);CK(clSetKernelArg(k,i++,4,&v));} else {cl_mem v=__builtin_va_arg(ap,cl_mem);CK(clSetKernelArg(k,i++,sizeof v,&v));}} __builtin_va_end(ap);}
static size_t up(size_t a,size_t b){return (a+b-1)/b*b;}
int main(int argc,char**argv){
  if(argc<12){fprintf(stderr,"usage: kind(nn|nt|tn|pnn|pnt|ptn) M N K vw om on dm dn lm ln [opts]\n");return 1;}
  const char*kind=argv[1]; int M=atoi(argv[2]),N=atoi(argv[3]),K=atoi(argv[4]);
  int vw=atoi(argv[5]),om=atoi(argv[6]),on=atoi(argv[7]),dm=atoi(argv[8]),dn=atoi(argv[9]),lm=atoi(argv[10]),ln=atoi(argv[11]);
  const char*extra=argc>12?argv[12]:"";
  char opts[512]; snprintf(opts,sizeof opts,"-cl-std=CL1.2 -DGEMM_DIRECT=1 -DVW=%d -DOM=%d -DON=%d -DDM=%d -DDN=%d -DLM=%d -DLN=%d %s",vw,om,on,dm,dn,lm,ln,extra);
  char*c1=slurp("Kernels/common.cl"),*c2=slurp(getenv("GEMMCL")?getenv("GEMMCL"):"Kernels/gemm_direct.cl");
  char*src=malloc(strlen(c1)+strlen(c2)+2);strcpy(src,c1);strcat(src,"\n");strcat(src,c2);
  cl_platform_id pl;CK(clGetPlatformIDs(1,&pl,NULL));cl_device_id dev;CK(clGetDeviceIDs(pl,CL_DEVICE_TYPE_ALL,1,&dev,NULL));
  cl_int e;cl_context ctx=clCreateContext(NULL,1,&dev,NULL,NULL,&e);CK(e);cl_command_queue q=clCreateCommandQueue(ctx,dev,0,&e);CK(e);Q=q;
  cl_program p=clCreateProgramWithSource(ctx,1,(const char**)&src,NULL,&e);CK(e);
  double t0=now();
  if(clBuildProgram(p,1,&dev,opts,NULL,NULL)){char log[65536];clGetProgramBuildInfo(p,dev,CL_PROGRAM_BUILD_LOG,sizeof log,log,NULL);fprintf(stderr,"%s\n",log);return 1;}
  double tb=now()-t0;
  int packed = kind[0]=='p'; if(packed) kind++;
  int ta=!strcmp(kind,"tn"), tbb=!strcmp(kind,"nt");
  int plain=getenv("PLAIN")!=NULL; int lda=(ta?M:K)+(plain?0:1), ldb=(tbb?K:N)+(plain?0:3), ldc=N+(plain?0:2), offA=plain?0:1,offB=plain?0:2,offC=plain?0:3;
  size_t na=offA+(size_t)(ta?K:M)*lda, nb=offB+(size_t)(tbb?N:K)*ldb, nc=offC+(size_t)M*ldc;
  float*A=malloc(na*4),*B=malloc(nb*4),*C=malloc(nc*4),*R=malloc(nc*4);
  srand(1);for(size_t i=0;i<na;i++)A[i]=rand()/(float)RAND_MAX-0.5f;for(size_t i=0;i<nb;i++)B[i]=rand()/(float)RAND_MAX-0.5f;
  for(size_t i=0;i<nc;i++){C[i]=NAN;R[i]=NAN;}
  cl_mem dA=clCreateBuffer(ctx,CL_MEM_READ_ONLY|CL_MEM_COPY_HOST_PTR,na*4,A,&e);CK(e);
  cl_mem dB=clCreateBuffer(ctx,CL_MEM_READ_ONLY|CL_MEM_COPY_HOST_PTR,nb*4,B,&e);CK(e);
  cl_mem dC=clCreateBuffer(ctx,CL_MEM_READ_WRITE|CL_MEM_COPY_HOST_PTR,nc*4,C,&e);CK(e);
  float alpha=1,beta=0; int nr=on*vw;
  if(!packed){
    char kname[64];snprintf(kname,64,"gemm_%s_direct",kind); KS[0]=clCreateKernel(p,kname,&e);CK(e); NL=1;
    args(KS[0],"iiifmiimiifmii",M,N,K,alpha,dA,offA,lda,dB,offB,ldb,beta,dC,offC,ldc);
    int tr=tbb?dm:om, tc=tbb?dn:nr; GS[0][0]=up((N+tc-1)/tc,ln); GS[0][1]=up((M+tr-1)/tr,lm); LS[0][0]=ln; LS[0][1]=lm;
  } else {
    int pa=(M+om-1)/om, pb=(N+nr-1)/nr; size_t sa=(size_t)pa*K*om, sb=(size_t)pb*K*nr;
    cl_mem S=clCreateBuffer(ctx,CL_MEM_READ_WRITE,(sa+sb)*4,NULL,&e);CK(e); int n=0;
    if(ta){ KS[n]=clCreateKernel(p,"pack_kmajor",&e);CK(e); args(KS[n],"iiimiimi",M,K,om,dA,offA,lda,S,0); GS[n][0]=up(K,64);GS[n][1]=1;LS[n][0]=64;LS[n][1]=1;n++; }
    if(tbb){ KS[n]=clCreateKernel(p,"pack_rmajor",&e);CK(e); args(KS[n],"iiimiimi",N,K,nr,dB,offB,ldb,S,(int)sa); GS[n][0]=up((K+7)/8,64);GS[n][1]=pb;LS[n][0]=64;LS[n][1]=1;n++; }
    else { KS[n]=clCreateKernel(p,"pack_kmajor",&e);CK(e); args(KS[n],"iiimiimi",N,K,nr,dB,offB,ldb,S,(int)sa); GS[n][0]=up(K,64);GS[n][1]=1;LS[n][0]=64;LS[n][1]=1;n++; }
    if(ta){ KS[n]=clCreateKernel(p,"gemm_packed",&e);CK(e); args(KS[n],"iiifmimifmii",M,N,K,alpha,S,0,S,(int)sa,beta,dC,offC,ldc); }
    else { KS[n]=clCreateKernel(p,"gemm_rows_packed",&e);CK(e); args(KS[n],"iiifmiimifmii",M,N,K,alpha,dA,offA,lda,S,(int)sa,beta,dC,offC,ldc); }
    GS[n][0]=up(pb,ln); GS[n][1]=up(pa,lm); LS[n][0]=ln; LS[n][1]=lm; n++; NL=n;
  }
  t0=now(); op();CK(clFinish(q)); double tfirst=now()-t0; SKIP=getenv("SKIPPACK")!=NULL; PONLY=getenv("PACKONLY")!=NULL;
  CK(clEnqueueReadBuffer(q,dC,CL_TRUE,0,nc*4,C,0,NULL,NULL));
  cblas_sgemm(CblasRowMajor,ta?CblasTrans:CblasNoTrans,tbb?CblasTrans:CblasNoTrans,M,N,K,alpha,A+offA,lda,B+offB,ldb,beta,R+offC,ldc);
  double maxerr=0;int bad=0;
  for(size_t x=0;x<nc;x++){ size_t r=(x-offC)/ldc,cc=(x-offC)%ldc; int in=x>=offC&&r<(size_t)M&&cc<(size_t)N;
    if(in){double d=fabs(C[x]-R[x]); if(!(d<=1e-3*sqrt(K))) bad++; if(d>maxerr)maxerr=d;} else if(!isnan(C[x])) bad++; }
  double flops=2.0*M*N*K; int it=1; double t;
  for(;;){t0=now();for(int r=0;r<it;r++)op();CK(clFinish(q));t=now()-t0;if(t>0.1)break;it*=2;}
  int itb=1; for(;;){t0=now();for(int r=0;r<itb;r++)cblas_sgemm(CblasRowMajor,ta?CblasTrans:CblasNoTrans,tbb?CblasTrans:CblasNoTrans,M,N,K,alpha,A+offA,lda,B+offB,ldb,beta,R+offC,ldc);t=now()-t0;if(t>0.1)break;itb*=2;}
  double best=1e30,bb=1e30, ratios[64]; int rounds=getenv("ROUNDS")?atoi(getenv("ROUNDS")):5;
  for(int rep=0;rep<rounds;rep++){
    t0=now();for(int r=0;r<it;r++)op();CK(clFinish(q));double tc=(now()-t0)/it;if(tc<best)best=tc;
    t0=now();for(int r=0;r<itb;r++)cblas_sgemm(CblasRowMajor,ta?CblasTrans:CblasNoTrans,tbb?CblasTrans:CblasNoTrans,M,N,K,alpha,A+offA,lda,B+offB,ldb,beta,R+offC,ldc);double tq=(now()-t0)/itb;if(tq<bb)bb=tq;
    ratios[rep]=tq/tc; }
  for(int x=0;x<rounds;x++)for(int y=x+1;y<rounds;y++)if(ratios[y]<ratios[x]){double z=ratios[x];ratios[x]=ratios[y];ratios[y]=z;}
  double gcl=flops/best/1e9, gb=flops/bb/1e9, medr=ratios[rounds/2];
  printf("%s%s %dx%dx%d vw%d om%d on%d dm%d dn%d l%dx%d %s: build %.2fs first %.3fs  %s err %.2g  CL %.1f GF/s  BLAS %.1f  best-ratio %.2f med-ratio %.2f\n",packed?"p":"",kind,M,N,K,vw,om,on,dm,dn,lm,ln,extra,tb,tfirst,bad?"BAD":"ok",maxerr,gcl,gb,gcl/gb,medr);
  return bad!=0;}
