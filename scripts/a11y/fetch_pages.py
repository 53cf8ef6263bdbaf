# Signs in as one account (the sign-in form, with its CSRF token) and saves
# each given page's HTML into a folder, for the Nu HTML checker.
import http.cookiejar, urllib.request, urllib.parse, re, sys, os
base=sys.argv[1]; email=sys.argv[2]; pw=sys.argv[3]; out=sys.argv[4]; paths=sys.argv[5:]
os.makedirs(out, exist_ok=True)
cj=http.cookiejar.CookieJar()
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
op=urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj), NoRedirect)
def get(p):
    try:
        r=op.open(base+p); return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
s,b=get('/login')
tok=re.search(r'name="authenticity_token" value="([^"]+)"', b).group(1)
data=urllib.parse.urlencode({'authenticity_token':tok,'email':email,'password':pw,'next':'/'}).encode()
req=urllib.request.Request(base+'/login', data=data, headers={'Origin':base})
try: r=op.open(req); print('login', r.status)
except urllib.error.HTTPError as e: print('login', e.code)
for p in paths:
    s,b=get(p)
    fn=os.path.join(out, re.sub(r'[^a-zA-Z0-9]+','_',p).strip('_') or 'root')+'.html'
    open(fn,'w').write(b)
    print(s, p)
