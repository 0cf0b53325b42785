import Testing
@testable import TidendeModels
@Test func smoke() throws {
    let s = try JSONScanner().scan(Array(#"{"id":42,"title":"Hej"}"#.utf8))
    #expect(s.members.count == 2)
}
