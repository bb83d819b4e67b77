package acceptance

// Opening the notebook as the analyst: CreatePresignedNotebookInstanceUrl
// returns https://<notebook>.notebook.<region>.sagemaker.aws?authToken=...,
// valid for 5 minutes; following it sets the session's cookies and lands on
// Jupyter (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePresignedNotebookInstanceUrl.html).
// Then the Jupyter server's REST API: GET /api/status, and the contents API,
// GET and PUT /api/contents/<path> with a {"type":"file","format":"text"}
// model, the path relative to Jupyter's root, /home/ec2-user/SageMaker
// (https://jupyter-server.readthedocs.io/en/latest/developers/rest-api.html).
// Requests other than GET must carry the _xsrf cookie's value in the
// X-XSRFToken header, as JupyterLab's own requests do.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
)

// presignedSession is how long the analyst's Jupyter session may last
// (SageMaker's least, 1800 seconds).
const presignedSession = 1800

// notebookSession is an open Jupyter session on one notebook.
type notebookSession struct {
	client *http.Client
	base   *url.URL
}

// open opens the provisioned product's notebook as the analyst.
func (r *run) open(ctx context.Context, p *provisioned) (*notebookSession, error) {
	out, err := r.Analyst.SageMaker.CreatePresignedNotebookInstanceUrl(ctx, &sagemaker.CreatePresignedNotebookInstanceUrlInput{
		NotebookInstanceName:               aws.String(p.Notebook),
		SessionExpirationDurationInSeconds: aws.Int32(presignedSession),
	})
	if err != nil {
		return nil, fmt.Errorf("analyst: sagemaker:CreatePresignedNotebookInstanceUrl %s: %w", p.Notebook, err)
	}
	// The URL is a credential for 5 minutes: print its host only.
	s, landed, err := openJupyter(ctx, r.HTTP(), aws.ToString(out.AuthorizedUrl))
	if err != nil {
		return nil, err
	}
	r.logf("presigned URL for %s followed to %s", p.Notebook, landed)
	status, err := s.status(ctx)
	if err != nil {
		return nil, err
	}
	r.logf("Jupyter answers GET /api/status: %s", status)
	return s, nil
}

// openJupyter follows an authorized URL with the client (which must have a
// cookie jar) and returns the session on the host it lands on, and where it
// landed (without the query).
func openJupyter(ctx context.Context, client *http.Client, authorized string) (*notebookSession, string, error) {
	if client.Jar == nil {
		return nil, "", errors.New("the HTTP client has no cookie jar: Jupyter's session lives in cookies")
	}
	u, err := url.Parse(authorized)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("the presigned URL is not a URL (%v)", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorized, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("follow the presigned URL to %s: %w", u.Host, scrub(err))
	}
	body := snippet(resp.Body)
	resp.Body.Close()
	final := resp.Request.URL
	landed := final.Scheme + "://" + final.Host + final.Path
	if resp.StatusCode != http.StatusOK {
		return nil, landed, fmt.Errorf("the presigned URL led to %s, which answered %s: %s", landed, resp.Status, body)
	}
	if final.Host != u.Host {
		// An expired or refused URL ends at the console's sign-in page.
		return nil, landed, fmt.Errorf("the presigned URL led away from the notebook, to %s", landed)
	}
	return &notebookSession{client: client, base: &url.URL{Scheme: final.Scheme, Host: final.Host}}, landed, nil
}

// status reads GET /api/status.
func (s *notebookSession) status(ctx context.Context) (string, error) {
	var status map[string]any
	code, body, err := s.do(ctx, http.MethodGet, "/api/status", nil, &status)
	if err != nil {
		return "", err
	}
	if code != http.StatusOK {
		return "", fmt.Errorf("GET /api/status: %d %s", code, body)
	}
	out, _ := json.Marshal(status)
	return string(out), nil
}

// contentModel is a file in Jupyter's contents API.
type contentModel struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Content string `json:"content"`
	Path    string `json:"path,omitempty"`
}

// put writes a text file.
func (s *notebookSession) put(ctx context.Context, path, content string) error {
	if err := s.ensureXSRF(ctx); err != nil {
		return err
	}
	body, _ := json.Marshal(contentModel{Type: "file", Format: "text", Content: content})
	code, answer, err := s.do(ctx, http.MethodPut, contentsPath(path), body, nil)
	if err != nil {
		return err
	}
	if code != http.StatusCreated && code != http.StatusOK {
		return fmt.Errorf("PUT %s: %d %s", contentsPath(path), code, answer)
	}
	return nil
}

// get reads a text file; found is false when Jupyter has no such file.
func (s *notebookSession) get(ctx context.Context, path string) (content string, found bool, err error) {
	var m contentModel
	code, body, err := s.do(ctx, http.MethodGet, contentsPath(path)+"?type=file&format=text&content=1", nil, &m)
	switch {
	case err != nil:
		return "", false, err
	case code == http.StatusNotFound:
		return "", false, nil
	case code != http.StatusOK:
		return "", false, fmt.Errorf("GET %s: %d %s", contentsPath(path), code, body)
	}
	return m.Content, true, nil
}

// ensureXSRF makes sure the jar holds Jupyter's _xsrf cookie, which the
// page Jupyter lands on sets; if it did not, the JupyterLab page does.
func (s *notebookSession) ensureXSRF(ctx context.Context) error {
	if s.xsrf() != "" {
		return nil
	}
	code, body, err := s.do(ctx, http.MethodGet, "/lab", nil, nil)
	if err != nil {
		return err
	}
	if s.xsrf() == "" {
		return fmt.Errorf("Jupyter set no _xsrf cookie (GET /lab: %d %s)", code, body)
	}
	return nil
}

func (s *notebookSession) xsrf() string {
	for _, c := range s.client.Jar.Cookies(s.base) {
		if c.Name == "_xsrf" {
			return c.Value
		}
	}
	return ""
}

// do sends a request to the notebook's Jupyter and decodes a 2xx JSON
// answer into into (when not nil); it returns the status code and, for
// other answers, the start of the body.
func (s *notebookSession) do(ctx context.Context, method, path string, body []byte, into any) (int, string, error) {
	u := s.base.String() + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set("X-XSRFToken", s.xsrf())
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s %s: %w", method, path, scrub(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 || into == nil {
		return resp.StatusCode, snippet(resp.Body), nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(into); err != nil {
		return resp.StatusCode, "", fmt.Errorf("%s %s: the answer is not JSON: %w", method, path, err)
	}
	return resp.StatusCode, "", nil
}

// contentsPath is the contents API's URL path of a file.
func contentsPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/api/contents/" + strings.Join(parts, "/")
}

// snippet reads the start of a body, on one line, for an error message.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	return strings.Join(strings.Fields(string(b)), " ")
}

// scrub removes the query (the presigned URL's authToken) from a
// transport error.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

// writeFile writes the file through Jupyter, as the analyst would from
// JupyterLab, and reads it back. The file is registered for the cleanup
// before it is written.
func (r *run) writeFile(ctx context.Context, p *provisioned, s *notebookSession, file, content string) error {
	bucket, prefix, err := parseS3URI(p.Outputs[OutputWorkspaceUri])
	if err != nil {
		return err
	}
	r.files = append(r.files, object{Bucket: bucket, Key: prefix + "home/" + file})
	if err := s.put(ctx, file, content); err != nil {
		return err
	}
	got, found, err := s.get(ctx, file)
	switch {
	case err != nil:
		return err
	case !found:
		return fmt.Errorf("Jupyter accepted %s but has no such file", file)
	case got != content:
		return fmt.Errorf("Jupyter returns %s as %q, want %q", file, got, content)
	}
	r.logf("wrote %s through the contents API (%d bytes) and read it back", file, len(content))
	return nil
}

// reopen opens the notebook again after a start, and finds the file on
// its volume (a stop keeps the volume).
func (r *run) reopen(ctx context.Context, p *provisioned, file, content string) (*notebookSession, error) {
	s, err := r.open(ctx, p)
	if err != nil {
		return nil, err
	}
	got, found, err := s.get(ctx, file)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, fmt.Errorf("after the start, Jupyter has no %s: the volume should have kept it", file)
	case got != content:
		return nil, fmt.Errorf("after the start, Jupyter returns %s as %q, want %q", file, got, content)
	}
	r.logf("%s is still on the volume", file)
	return s, nil
}

// restored waits until the file written in the first notebook is in the
// second: the restore runs in the background after the start.
func (r *run) restored(ctx context.Context, s *notebookSession, file, content string) error {
	return r.wait(ctx, file, r.Timeouts.Restore, func(ctx context.Context) (string, bool, error) {
		got, found, err := s.get(ctx, file)
		switch {
		case err != nil:
			return "", false, err
		case !found:
			return "not restored yet", false, nil
		case got != content:
			return "", false, fmt.Errorf("restored %s is %q, want %q", file, got, content)
		}
		return "restored", true, nil
	})
}
