package sign

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Difference analysis: what a later revision may change in a signed one.
//
// Hand-written: pdfcpu parses revisions but does not compare them, and no Go library does.
// The rules follow ISO 32000-2 12.8.2.2 (DocMDP), Adobe's documented behaviour and the
// attack classes of the PDF-Insecurity research (shadow attacks hide, replace and
// hide-and-replace; incremental saving; signature wrapping; universal signature forgery):
// every changed, new or deleted object is refused unless a rule clears it, and a rule judges
// an object by the role it holds in the document (found by walking the document from the
// trailer, as a viewer does), never by the /Type it claims. An object that is both a page's
// content and a "DSS stream" is page content.
//
// The policies, from strictest:
//   - allowLTA (DocMDP P=1): DSS data and document timestamps only.
//   - allowSigs (approval signatures, no DocMDP): also new signature fields and signing an
//     empty one. sohoa's documents carry no other form fields, and a value or annotation added
//     after an approval signature changes what the reader sees with no one signing for it, so
//     form filling and annotations are refused here, not accepted as Adobe does.
//   - allowForms (P=2): also filling in non-signature form fields (value and appearance).
//   - allowAnnots (P=3): also creating, changing and deleting annotations.
//
// In every policy a new signature widget with a visible appearance must be signed in a later
// revision (its /V an intact signature covering a revision after the one judged) and must be
// small and on the page (see widgetCoversPage): an unsigned widget drawn over the page is the
// shadow attack.
type policy int

const (
	allowLTA policy = iota
	allowSigs
	allowForms
	allowAnnots
)

// policyFor maps a certification signature's /P (0: none) to a policy.
func policyFor(p int) policy {
	switch p {
	case 0:
		return allowSigs
	case 1:
		return allowLTA
	case 2:
		return allowForms
	}
	return allowAnnots
}

// role is what an object is to a reader; an object may hold several.
type role uint32

const (
	roleOther     role = 1 << iota // content, resources, fonts, outlines, names, actions, ...
	roleRef                        // a page, annotation or signature reached from elsewhere
	roleCatalog                    // the catalog
	roleInfo                       // the trailer's /Info and below
	roleDSS                        // the DSS and below
	rolePages                      // a page tree node (or its /Kids array)
	rolePage                       // a page
	roleAnnots                     // an /Annots array
	roleAnnot                      // an annotation other than a form widget
	roleAnnotPart                  // below an annotation (appearance, popup, ...)
	roleAcroForm                   // the AcroForm dictionary
	roleFields                     // a /Fields or /Kids array of the form
	roleSigField                   // a signature field or widget
	roleSigValue                   // a signature field's /V and below
	roleSigAP                      // below a signature widget's /AP
	roleFormField                  // another form field or widget
	roleFormPart                   // a form field's /V or /AP and below
	roleFormRes                    // the form's default resources (/DR) and below
	roleMetadata                   // the catalog's XMP /Metadata stream
)

var roleNames = []string{"content", "reference", "catalog", "document info", "DSS", "page tree", "page",
	"annotation list", "annotation", "annotation appearance", "form", "form field list", "signature field",
	"signature value", "signature appearance", "form field", "form field value or appearance", "form resources",
	"XMP metadata"}

func (r role) String() string {
	for i, n := range roleNames {
		if r&(1<<i) != 0 {
			return n
		}
	}
	return "object"
}

// shownRoles are the roles in which an object is drawn or changes what is drawn.
const shownRoles = roleOther | roleRef | rolePages | rolePage | roleAnnots | roleAnnot | roleAnnotPart | roleFormField | roleFormPart | roleCatalog

// walker assigns roles to the objects reachable from a revision's trailer.
type walker struct {
	ctx   *model.Context
	roles map[int]role
}

func walkRoles(ctx *model.Context) map[int]role {
	w := &walker{ctx: ctx, roles: map[int]role{}}
	if ctx.Root != nil {
		w.catalog(*ctx.Root)
	}
	if ctx.Info != nil {
		w.generic(*ctx.Info, roleInfo, 0)
	}
	if ctx.Encrypt != nil {
		w.generic(*ctx.Encrypt, roleCatalog, 0)
	}
	return w.roles
}

// node marks o (when indirect) with r and returns the object it stands for, or nil when it
// was already marked with r.
func (w *walker) node(o types.Object, r role) types.Object {
	ref, ok := o.(types.IndirectRef)
	if !ok {
		return o
	}
	n := ref.ObjectNumber.Value()
	if w.roles[n]&r != 0 {
		return nil
	}
	w.roles[n] |= r
	return objectAt(w.ctx, n)
}

func asDict(o types.Object) types.Dict {
	switch v := o.(type) {
	case types.Dict:
		return v
	case types.StreamDict:
		return v.Dict
	case *types.StreamDict:
		return v.Dict
	}
	return nil
}

// structural reports whether a dictionary is one a viewer finds through its own path (a
// page, an annotation, a field, a signature): reached from elsewhere it is only referred to.
func structural(d types.Dict) bool {
	if d == nil {
		return false
	}
	if typeIs(d, "Page", "Pages", "Annot", "Sig", "DocTimeStamp", "Catalog") {
		return true
	}
	_, field := d.Find("FT")
	_, kids := d.Find("Kids")
	_, t := d.Find("T")
	return field || (kids && t)
}

// generic marks everything reachable from o with r, except structural objects reached by
// reference, which get roleRef.
func (w *walker) generic(o types.Object, r role, depth int) {
	if depth > 200 || o == nil {
		return
	}
	if ref, ok := o.(types.IndirectRef); ok {
		obj := objectAt(w.ctx, ref.ObjectNumber.Value())
		// Pages, annotations, fields and signatures are dictionaries, never streams: a
		// stream dressed as one (/FT /Sig on page content) is what it is drawn as.
		if d, isDict := obj.(types.Dict); isDict && structural(d) && r&(roleDSS|roleInfo) == 0 {
			w.node(o, roleRef)
			return
		}
	}
	obj := w.node(o, r)
	switch v := obj.(type) {
	case types.Dict:
		for _, x := range v {
			w.generic(x, r, depth+1)
		}
	case types.StreamDict:
		for _, x := range v.Dict {
			w.generic(x, r, depth+1)
		}
	case *types.StreamDict:
		for _, x := range v.Dict {
			w.generic(x, r, depth+1)
		}
	case types.Array:
		for _, x := range v {
			w.generic(x, r, depth+1)
		}
	}
}

func (w *walker) catalog(root types.IndirectRef) {
	d := asDict(w.node(root, roleCatalog))
	for k, v := range d {
		switch k {
		case "DSS":
			w.generic(v, roleDSS, 0)
		case "AcroForm":
			w.acroForm(v)
		case "Pages":
			w.pages(v, 0)
		case "Metadata":
			w.node(v, roleMetadata)
		default:
			w.generic(v, roleOther, 0)
		}
	}
}

func (w *walker) acroForm(o types.Object) {
	d := asDict(w.node(o, roleAcroForm))
	for k, v := range d {
		switch k {
		case "Fields":
			w.fields(v, "", 0)
		case "DR":
			w.generic(v, roleFormRes, 0)
		default:
			w.generic(v, roleOther, 0)
		}
	}
}

func (w *walker) fields(o types.Object, ft string, depth int) {
	arr, _ := w.node(o, roleFields).(types.Array)
	for _, f := range arr {
		w.field(f, ft, depth+1)
	}
}

// field walks a form field or widget; ft is the inherited field type.
func (w *walker) field(o types.Object, ft string, depth int) {
	if depth > 32 {
		return
	}
	var d types.Dict
	if ref, ok := o.(types.IndirectRef); ok {
		d = dictOf(w.ctx, ref.ObjectNumber.Value())
	} else {
		d = asDict(o)
	}
	if t := d.NameEntry("FT"); t != nil {
		ft = *t
	}
	r, part := roleFormField, roleFormPart
	if ft == "Sig" {
		r = roleSigField
	}
	if w.node(o, r) == nil {
		return
	}
	for k, v := range d {
		switch k {
		case "Parent", "P":
			// back links
		case "Kids":
			w.fields(v, ft, depth)
		case "V":
			if ft == "Sig" {
				if obj := w.node(v, roleSigValue); obj != nil {
					for _, x := range asDict(obj) {
						w.generic(x, roleSigValue, 0)
					}
				}
			} else {
				w.generic(v, part, 0)
			}
		case "AP":
			if ft == "Sig" {
				w.generic(v, roleSigAP, 0)
			} else {
				w.generic(v, part, 0)
			}
		default:
			w.generic(v, roleOther, 0)
		}
	}
}

func (w *walker) pages(o types.Object, depth int) {
	if depth > 64 {
		return
	}
	d := asDict(w.node(o, rolePages))
	for k, v := range d {
		switch k {
		case "Parent":
		case "Kids":
			arr, _ := w.node(v, rolePages).(types.Array)
			for _, kid := range arr {
				ref, ok := kid.(types.IndirectRef)
				if !ok {
					continue
				}
				if kd := dictOf(w.ctx, ref.ObjectNumber.Value()); typeIs(kd, "Pages") {
					w.pages(kid, depth+1)
				} else {
					w.page(kid)
				}
			}
		default:
			w.generic(v, roleOther, 0)
		}
	}
}

func (w *walker) page(o types.Object) {
	d := asDict(w.node(o, rolePage))
	for k, v := range d {
		switch k {
		case "Parent":
		case "Annots":
			arr, _ := w.node(v, roleAnnots).(types.Array)
			for _, a := range arr {
				w.annot(a)
			}
		default:
			w.generic(v, roleOther, 0)
		}
	}
}

func (w *walker) annot(o types.Object) {
	var d types.Dict
	if ref, ok := o.(types.IndirectRef); ok {
		d = dictOf(w.ctx, ref.ObjectNumber.Value())
	} else {
		d = asDict(o)
	}
	if st := d.NameEntry("Subtype"); st != nil && *st == "Widget" {
		ft := ""
		if isSigWidget(w.ctx, d) {
			ft = "Sig"
		}
		w.field(o, ft, 0)
		return
	}
	if w.node(o, roleAnnot) == nil {
		return
	}
	for k, v := range d {
		if k != "P" && k != "Parent" {
			w.generic(v, roleAnnotPart, 0)
		}
	}
}

// revisionDiff compares a signed revision with a later one.
type revisionDiff struct {
	old, cur           *model.Context
	oldRoles, curRoles map[int]role
	pol                policy
	// signedAfter: object numbers of signature dictionaries that are intact and cover a
	// revision after the signed one.
	signedAfter map[int]bool
	// docTimestamps: object numbers of document timestamp dictionaries among them.
	docTimestamps map[int]bool
}

// modifications lists, as "N 0 obj (what): why", the changes from d.old to d.cur that the
// policy does not allow.
func (d *revisionDiff) modifications() []string {
	d.oldRoles, d.curRoles = walkRoles(d.old), walkRoles(d.cur)
	var out []string
	refNum := func(r *types.IndirectRef) int {
		if r == nil {
			return 0
		}
		return r.ObjectNumber.Value()
	}
	if refNum(d.old.Root) != refNum(d.cur.Root) {
		why := d.catalogChange()
		if why == "" {
			why = "another catalog / danh mục tài liệu khác"
		}
		out = append(out, "trailer /Root changed / /Root của trailer bị đổi: "+why)
	}
	if refNum(d.old.Encrypt) != refNum(d.cur.Encrypt) {
		out = append(out, "trailer /Encrypt changed / /Encrypt của trailer bị đổi")
	}
	seen := map[int]bool{}
	nums := make([]int, 0, len(d.cur.Table))
	for n := range d.cur.Table {
		nums = append(nums, n)
	}
	for n := range d.old.Table {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		if seen[n] || n == 0 {
			continue
		}
		seen[n] = true
		oe, ce := live(d.old, n), live(d.cur, n)
		switch {
		case oe == nil && ce == nil:
			continue
		case ce == nil: // deleted
			if r := d.oldRoles[n]; r != 0 && r&^(roleDSS|roleRef) != 0 {
				out = append(out, fmt.Sprintf("%d 0 obj (%s): deleted / bị xóa", n, r))
			}
			continue
		case oe != nil && sameObject(d.old, d.cur, n):
			// Unchanged, but shown in a way it was not when signed: an object hidden in the
			// signed revision and brought into view (hide-and-replace).
			gained := d.curRoles[n] &^ d.oldRoles[n] & shownRoles
			if gained == roleRef {
				gained = roleOther
			}
			for bit := role(1); gained != 0 && bit <= roleMetadata; bit <<= 1 {
				if gained&bit != 0 && bit != roleRef && d.judge(n, true, bit) != "" {
					out = append(out, fmt.Sprintf("%d 0 obj (%s): hidden object from the signed revision now shown / đối tượng ẩn trong bản đã ký nay được hiển thị", n, bit))
					break
				}
			}
			continue
		}
		r := d.curRoles[n]
		if r == 0 {
			continue // reachable from nowhere: no reader shows it
		}
		if r == roleRef {
			r = roleOther
		}
		for bit := role(1); bit != 0 && bit <= roleMetadata; bit <<= 1 {
			if r&bit == 0 || bit == roleRef {
				continue
			}
			if why := d.judge(n, oe == nil, bit); why != "" {
				out = append(out, fmt.Sprintf("%d 0 obj (%s): %s", n, bit, why))
				break
			}
		}
	}
	return out
}

func live(ctx *model.Context, n int) *model.XRefTableEntry {
	if objectAt(ctx, n) == nil {
		return nil
	}
	return ctx.Table[n]
}

// sameObject reports whether object n is the same in both revisions: the same stored object,
// or equal dictionaries and stream data.
func sameObject(old, cur *model.Context, n int) bool {
	a, b := old.Table[n], cur.Table[n]
	if sameEntry(a, b) {
		return true
	}
	return objectString(a.Object) == objectString(b.Object) && bytes.Equal(streamRaw(a.Object), streamRaw(b.Object))
}

func streamRaw(o types.Object) []byte {
	switch v := o.(type) {
	case types.StreamDict:
		return v.Raw
	case *types.StreamDict:
		return v.Raw
	}
	return nil
}

// judge returns why the change of object n in its role r is not allowed, or "".
func (d *revisionDiff) judge(n int, isNew bool, r role) string {
	switch r {
	case roleDSS:
		return ""
	case roleInfo:
		if d.infoChanges() {
			return "document information changed / thông tin tài liệu bị sửa"
		}
		return ""
	case roleCatalog:
		return d.catalogChange()
	case roleAcroForm:
		return d.acroFormChange()
	case rolePage:
		if isNew {
			return "page added / thêm trang"
		}
		return d.pageChange(n)
	case roleAnnots, roleFields:
		if isNew {
			// a list that was direct in its parent and became indirect: judged as the parent's
			return d.arrayChange(nil, asArray(d.cur, n), r)
		}
		return d.arrayChange(asArray(d.old, n), asArray(d.cur, n), r)
	case roleAnnot, roleAnnotPart:
		if d.pol >= allowAnnots {
			return ""
		}
		return "annotation added or changed / chú thích được thêm hoặc sửa"
	case roleFormField:
		if d.pol < allowForms {
			return "form field changed / trường biểu mẫu bị sửa"
		}
		if isNew {
			return "form field added / thêm trường biểu mẫu"
		}
		if k := diffKeys(dictOf(d.old, n), dictOf(d.cur, n), "V", "AP", "AS"); k != "" {
			return "form field /" + k + " changed / trường biểu mẫu bị sửa /" + k
		}
		return ""
	case roleFormPart:
		if d.pol >= allowForms {
			return ""
		}
		return "form field value or appearance changed / giá trị hoặc hình hiển thị của trường biểu mẫu bị sửa"
	case roleFormRes:
		// Fonts a signing tool adds for its fields' appearances.
		if d.pol >= allowSigs {
			return ""
		}
		return "form resources changed / tài nguyên biểu mẫu bị sửa"
	case roleMetadata:
		// XMP metadata is not drawn; Adobe rewrites it on every save.
		return ""
	case roleSigField:
		return d.sigFieldChange(n, isNew)
	case roleSigValue:
		if !isNew {
			return "signature dictionary changed / từ điển chữ ký bị sửa"
		}
		if typeIs(dictOf(d.cur, n), "Sig", "DocTimeStamp") && !d.signedAfter[n] {
			return "signature value that no intact later signature covers / chữ ký mới không hợp lệ"
		}
		return ""
	case roleSigAP:
		if isNew {
			return "" // the widget is judged
		}
		return "signature appearance changed / hình hiển thị chữ ký bị sửa"
	case rolePages:
		return "page tree changed / cây trang bị sửa"
	}
	return "content changed / nội dung bị sửa"
}

func asArray(ctx *model.Context, n int) types.Array {
	if e := live(ctx, n); e != nil {
		a, _ := e.Object.(types.Array)
		return a
	}
	return nil
}

// diffKeys returns a key (other than the allowed ones) whose value differs between a and b.
func diffKeys(a, b types.Dict, allowed ...string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		if slices.Contains(allowed, k) {
			continue
		}
		if objectString(a[k]) != objectString(b[k]) {
			return k
		}
	}
	return ""
}

func resolveDict(ctx *model.Context, o types.Object) types.Dict {
	d, err := ctx.DereferenceDict(o)
	if err != nil {
		return nil
	}
	return d
}

func resolveArray(ctx *model.Context, o types.Object) types.Array {
	a, err := ctx.DereferenceArray(o)
	if err != nil {
		return nil
	}
	return a
}

func (d *revisionDiff) infoChanges() bool {
	var a, b types.Dict
	if d.old.Info != nil {
		a = resolveDict(d.old, *d.old.Info)
	}
	if d.cur.Info != nil {
		b = resolveDict(d.cur, *d.cur.Info)
	}
	return diffKeys(a, b, "ModDate", "Producer") != ""
}

// catalogChange compares the catalogs: only /DSS, /Extensions, /Version, the XMP /Metadata
// and the form may change.
func (d *revisionDiff) catalogChange() string {
	var a, b types.Dict
	if d.old.Root != nil {
		a = resolveDict(d.old, *d.old.Root)
	}
	if d.cur.Root != nil {
		b = resolveDict(d.cur, *d.cur.Root)
	}
	if k := diffKeys(a, b, "DSS", "Extensions", "AcroForm", "Metadata", "Version"); k != "" {
		return "catalog /" + k + " changed / danh mục tài liệu bị sửa /" + k
	}
	if objectString(a["AcroForm"]) != objectString(b["AcroForm"]) {
		return d.acroFormChange()
	}
	return ""
}

// acroFormChange compares the form dictionaries: fields may be appended, /SigFlags set, and
// under form filling /DR, /DA and /NeedAppearances changed.
func (d *revisionDiff) acroFormChange() string {
	var a, b types.Dict
	if ca := resolveDict(d.old, d.rootKey(d.old, "AcroForm")); ca != nil {
		a = ca
	}
	if cb := resolveDict(d.cur, d.rootKey(d.cur, "AcroForm")); cb != nil {
		b = cb
	}
	if b == nil && a != nil {
		return "form removed / biểu mẫu bị xóa"
	}
	allowed := []string{"Fields", "SigFlags"}
	if d.pol >= allowSigs {
		allowed = append(allowed, "DR", "DA")
	}
	// NeedAppearances true makes viewers redraw every field: allowed with form filling;
	// set to false (as signing tools do) it changes nothing drawn.
	if na, ok := b["NeedAppearances"].(types.Boolean); d.pol >= allowForms || !ok || !na.Value() {
		allowed = append(allowed, "NeedAppearances")
	}
	if k := diffKeys(a, b, allowed...); k != "" {
		return "form /" + k + " changed / biểu mẫu bị sửa /" + k
	}
	return d.arrayChange(resolveArray(d.old, a["Fields"]), resolveArray(d.cur, b["Fields"]), roleFields)
}

func (d *revisionDiff) rootKey(ctx *model.Context, k string) types.Object {
	if ctx.Root == nil {
		return nil
	}
	return resolveDict(ctx, *ctx.Root)[k]
}

// pageChange compares a page: only its annotations may change.
func (d *revisionDiff) pageChange(n int) string {
	a, b := dictOf(d.old, n), dictOf(d.cur, n)
	if k := diffKeys(a, b, "Annots"); k != "" {
		return "page /" + k + " changed / trang bị sửa /" + k
	}
	return d.arrayChange(resolveArray(d.old, a["Annots"]), resolveArray(d.cur, b["Annots"]), roleAnnots)
}

// arrayChange compares an /Annots or /Fields list: the old entries must stay, in order, and
// the new ones must be signature fields (or, for annotations under P=3, anything).
func (d *revisionDiff) arrayChange(old, now types.Array, r role) string {
	if r == roleAnnots && d.pol >= allowAnnots {
		return ""
	}
	if len(now) < len(old) {
		return "entries removed / bị xóa phần tử"
	}
	for i := range old {
		if objectString(old[i]) != objectString(now[i]) {
			return "entries replaced / bị thay phần tử"
		}
	}
	for _, o := range now[len(old):] {
		ref, ok := o.(types.IndirectRef)
		if !ok {
			return "direct entry added / thêm phần tử trực tiếp"
		}
		wd := dictOf(d.cur, ref.ObjectNumber.Value())
		if wd == nil || !isSigWidget(d.cur, wd) {
			if r == roleAnnots {
				return "annotation added / thêm chú thích"
			}
			return "form field added / thêm trường biểu mẫu"
		}
		// The added signature field itself is judged as a new object.
	}
	return ""
}

// sigFieldChange judges a new or changed signature field or widget.
func (d *revisionDiff) sigFieldChange(n int, isNew bool) string {
	cur := dictOf(d.cur, n)
	vNum := 0
	if ref, ok := cur["V"].(types.IndirectRef); ok {
		vNum = ref.ObjectNumber.Value()
	}
	signed := vNum != 0 && d.signedAfter[vNum]
	timestamp := signed && d.docTimestamps[vNum]
	if !isNew {
		if _, isDict := objectAt(d.cur, n).(types.Dict); !isDict {
			return "signature field is not a dictionary / trường chữ ký không phải từ điển"
		}
		old := dictOf(d.old, n)
		if _, had := old.Find("V"); had {
			return "signed field changed / trường chữ ký đã ký bị sửa"
		}
		if k := diffKeys(old, cur, "V", "AP"); k != "" {
			return "signature field /" + k + " changed / trường chữ ký bị sửa /" + k
		}
		if !signed {
			return "signature field changed but not signed / trường chữ ký bị sửa mà không được ký"
		}
	}
	if _, hasV := cur.Find("V"); hasV && !signed {
		return "signature that no intact later signature covers (forged or unsigned) / chữ ký giả hoặc chưa ký"
	}
	if d.pol < allowSigs && !timestamp {
		return "signature added where the certification allows no changes (DocMDP P=1) / thêm chữ ký khi chữ ký chứng nhận không cho phép thay đổi"
	}
	if !widgetVisible(d.cur, cur) {
		return ""
	}
	if !signed {
		return "unsigned signature widget with an appearance (shadow attack) / ô chữ ký chưa ký có hình hiển thị (tấn công che phủ)"
	}
	if why := widgetCoversPage(d.cur, cur); why != "" {
		return why
	}
	return ""
}

// widgetVisible reports whether a widget draws anything: a normal appearance, a rectangle
// of some area, and neither the Hidden nor the NoView flag.
func widgetVisible(ctx *model.Context, w types.Dict) bool {
	if f, err := ctx.DereferenceInteger(w["F"]); err == nil && f != nil && f.Value()&(2|32) != 0 {
		return false
	}
	ap := resolveDict(ctx, w["AP"])
	if ap == nil || ap["N"] == nil {
		return false
	}
	r := rectOf(ctx, w["Rect"])
	return r[2]-r[0] > 0.5 && r[3]-r[1] > 0.5
}

func rectOf(ctx *model.Context, o types.Object) [4]float64 {
	arr := resolveArray(ctx, o)
	if len(arr) != 4 {
		return [4]float64{}
	}
	if r := types.RectForArray(arr); r != nil {
		return [4]float64{min(r.LL.X, r.UR.X), min(r.LL.Y, r.UR.Y), max(r.LL.X, r.UR.X), max(r.LL.Y, r.UR.Y)}
	}
	return [4]float64{}
}

// maxStampShare is the largest part of a page a later signature's stamp may take. sohoa's
// stamp is 200 x 70 pt (under 3 % of A4); a seal with the signer's details stays under 10 %.
const maxStampShare = 0.10

// widgetCoversPage reports why a signed later widget's appearance would hide the signed
// page: it lies outside the page, or it is larger than a stamp. (What is under the stamp is
// not rendered: a stamp-sized area is accepted as the signer's own mark, the practice of
// every signing tool.)
func widgetCoversPage(ctx *model.Context, w types.Dict) string {
	r := rectOf(ctx, w["Rect"])
	pageRef, ok := w["P"].(types.IndirectRef)
	if !ok {
		return ""
	}
	page := dictOf(ctx, pageRef.ObjectNumber.Value())
	box := rectOf(ctx, page["CropBox"])
	if box == ([4]float64{}) {
		box = rectOf(ctx, page["MediaBox"])
	}
	if box == ([4]float64{}) {
		return ""
	}
	area := (box[2] - box[0]) * (box[3] - box[1])
	if (r[2]-r[0])*(r[3]-r[1]) > maxStampShare*area {
		return fmt.Sprintf("signature appearance covers %.0f%% of the page / hình chữ ký che %.0f%% trang",
			100*(r[2]-r[0])*(r[3]-r[1])/area, 100*(r[2]-r[0])*(r[3]-r[1])/area)
	}
	return ""
}
